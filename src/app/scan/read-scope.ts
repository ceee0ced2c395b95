import { CodedError, errorMessage } from '../../domain/errors.js';
import { needsUsage } from '../../domain/findings/classify.js';
import type {
  AmiImage,
  Instance,
  LaunchTemplate,
  ScanError,
  Scope,
  ScopeInventory,
  Usage,
} from '../../domain/findings/model.js';
import { scanErrorOf } from '../../domain/findings/scan.js';
import type { PartKey, PartOutcome, PartValue, ScopeProgress } from '../../domain/findings/scope-progress.js';
import type { FindingsStore } from '../../domain/ports/findings.js';
import type { ScopeReaders } from '../../domain/ports/inventory.js';

/**
 * Reads one account x region: the inventory (DescribeInstances) is the core, and a scope without
 * it fails; every other part (launch templates, ASGs, the account default, usage) that fails
 * after the SDK's own retries is recorded as a partial error and the instances are kept.
 * `progress` holds what an earlier attempt read (reused, not read again) and gains what this one reads.
 */

export interface ReadScopeDeps {
  store: Pick<FindingsStore, 'watched'>;
}

/** The readers throw CodedErrors; anything else is a bug, and another attempt will not help. */
const coded = (err: unknown, what: string): CodedError =>
  err instanceof CodedError
    ? err
    : new CodedError('UnknownError', `${what}: ${errorMessage(err)}`, { cause: err });

const PART_NAMES: Record<PartKey, [ScanError['stage'], string]> = {
  launchTemplates: ['launch-templates', 'launch templates'],
  accountDefault: ['account-default', 'account default'],
  autoScalingGroups: ['auto-scaling', 'Auto Scaling groups'],
  usage: ['usage', 'IMDSv1 usage (MetadataNoToken)'],
  rejections: ['usage', 'rejected IMDSv1 calls (MetadataNoTokenRejected)'],
  images: ['images', 'AMIs (DescribeImages ImdsSupport)'],
};

export interface ScopeRead {
  inventory: ScopeInventory;
  usage: Map<string, Usage>;
  /** why usage could not be read; null when it was */
  usageError: string | null;
  rejected: Map<string, Usage>;
  /** ImdsSupport of the AMIs the laggards and the templates use */
  images: AmiImage[];
  errors: ScanError[];
}

/** The AMIs worth a DescribeImages: those of the instances that allow IMDSv1 and of the templates. */
export function imagesInUse(instances: readonly Instance[], templates: readonly LaunchTemplate[]): string[] {
  const ids = new Set<string>();
  for (const i of instances) if (i.imageId && needsUsage(i)) ids.add(i.imageId);
  for (const t of templates) {
    if (t.imageId) ids.add(t.imageId);
    if (t.latest?.imageId) ids.add(t.latest.imageId);
  }
  return [...ids].sort();
}

function partRunner(progress: ScopeProgress, scope: Scope, errors: ScanError[]) {
  const record = <K extends PartKey>(key: K, outcome: PartOutcome<K>): PartOutcome<K> => {
    (progress as Record<K, PartOutcome<K>>)[key] = outcome;
    return outcome;
  };
  return async <K extends PartKey>(key: K, run: () => Promise<PartValue<K>>): Promise<PartOutcome<K>> => {
    const done = progress[key] as PartOutcome<K> | undefined;
    const outcome = done ?? (await attempt(key, run));
    if (!outcome.ok) errors.push(outcome.error);
    return outcome;
  };

  async function attempt<K extends PartKey>(
    key: K,
    run: () => Promise<PartValue<K>>,
  ): Promise<PartOutcome<K>> {
    const [stage, name] = PART_NAMES[key];
    try {
      return record(key, { ok: true, value: await run() } as PartOutcome<K>);
    } catch (err) {
      const e = coded(err, `${name} in ${scope.accountId}/${scope.region}`);
      const failed = { ok: false, error: scanErrorOf(scope, stage, e, true) } as PartOutcome<K>;
      // a transient failure may pass by the next attempt, if there is one: not kept
      return e.transient ? failed : record(key, failed);
    }
  }
}

const valueOr = <K extends PartKey>(o: PartOutcome<K>, fallback: PartValue<K>): PartValue<K> =>
  o.ok ? (o.value as PartValue<K>) : fallback;

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

export async function readScope(
  deps: ReadScopeDeps,
  { inventory, usage: usageReader }: ScopeReaders,
  scope: Scope,
  win: { windowDays: number; now: Date },
  progress: ScopeProgress,
): Promise<ScopeRead> {
  const errors: ScanError[] = [];
  const part = partRunner(progress, scope, errors);
  const [read, templates, accountDefault] = await Promise.all([
    progress.instances
      ? Promise.resolve({ ok: true as const, value: progress.instances })
      : settle(inventory.instances()),
    part('launchTemplates', () => inventory.launchTemplates()),
    part('accountDefault', () => inventory.accountDefault()),
  ]);
  // the parts above are in `progress` by now, for the next attempt
  if (!read.ok) throw read.error;
  progress.instances = read.value;
  errors.unshift(...read.value.errors);
  const launchTemplates = valueOr(templates, []);
  const { instances } = read.value;
  // the groups matter only through the instances they launched (a finding's templateRisk): a
  // scope where no instance carries aws:autoscaling:groupName needs no DescribeAutoScalingGroups
  const groups: PartOutcome<'autoScalingGroups'> = instances.some((i) => i.asg !== null)
    ? await part('autoScalingGroups', () => inventory.autoScalingGroups(launchTemplates))
    : { ok: true, value: [] };
  const amiIds = imagesInUse(instances, launchTemplates);
  const images: PartOutcome<'images'> =
    amiIds.length > 0 ? await part('images', () => inventory.images(amiIds)) : { ok: true, value: [] };
  const ids = instances.filter(needsUsage).map((i) => i.instanceId);
  const usage = await part('usage', async () => [...(await usageReader.read(ids, win))]);
  const live = new Set(instances.map((i) => i.instanceId));
  const watched = (await deps.store.watched(scope, win.now, win.windowDays)).filter((id) => live.has(id));
  // the last day, up to this minute: a rejection is news, and the alert repeats at most daily
  const today = { windowDays: 1, now: win.now, includeCurrent: true };
  const rejected = await part('rejections', async () => [
    ...(await usageReader.read(watched, today, 'MetadataNoTokenRejected')),
  ]);
  return {
    inventory: {
      ...scope,
      instances,
      launchTemplates,
      autoScalingGroups: valueOr(groups, []),
      accountDefault: valueOr(accountDefault, null),
    },
    usage: new Map(valueOr(usage, [])),
    usageError: usage.ok ? null : usage.error.message,
    rejected: new Map(valueOr(rejected, [])),
    images: valueOr(images, []),
    errors,
  };
}
