import { z } from 'zod';
import type { AwsClients } from '../../adapters/aws/clients.js';
import { type FindingsStore, instanceKey } from '../../adapters/redis/findings.js';
import type { ScopeProgressStore } from '../../adapters/redis/scope-progress.js';
import { ACCOUNT_ID_DIGITS } from '../../domain/account-id.js';
import { classifyScope, isLaggard } from '../../domain/findings/classify.js';
import { countDiff, diffSnapshots } from '../../domain/findings/diff.js';
import { ScanError, type ScopeSnapshot } from '../../domain/findings/model.js';
import { ScanSummary, summarize } from '../../domain/findings/summary.js';
import { type ReadScopeDeps, readScope, type ScopeRead } from './read-scope.js';

/** How findings are classified: taken from the workflow when the scan starts. */
export const ScanSettings = z.object({
  ownerTags: z.array(z.string()),
  environment: z.object({ tag: z.string(), prodValues: z.array(z.string()) }),
  windowDays: z.number().int().positive(),
});
export type ScanSettings = z.infer<typeof ScanSettings>;

export const AccountRef = z.object({
  accountId: z.string(),
  roleArn: z.string().nullable(),
  externalId: z.string().optional(),
});

export const ScopeJobData = z.object({
  scanId: z.string(),
  account: AccountRef,
  region: z.string(),
  settings: ScanSettings,
});
export type ScopeJobData = z.infer<typeof ScopeJobData>;

export const DiffCounts = z.object({
  new: z.number(),
  fixed: z.number(),
  regressed: z.number(),
  gone: z.number(),
});

export const Rejection = z.object({
  accountId: z.string(),
  region: z.string(),
  instanceId: z.string(),
  count: z.number(),
  lastSeen: z.string().nullable(),
});
export type Rejection = z.infer<typeof Rejection>;

export const ScopeResult = z.object({
  accountId: z.string(),
  region: z.string(),
  summary: ScanSummary,
  diff: DiffCounts,
  firstScan: z.boolean(),
  /** seconds each instance fixed (or gone) in this scan had been a laggard */
  remediatedSeconds: z.array(z.number()),
  /** enforced instances whose IMDSv1 calls are now rejected (MetadataNoTokenRejected > 0) */
  rejections: z.array(Rejection).default([]),
  errors: z.array(ScanError),
});
export type ScopeResult = z.infer<typeof ScopeResult>;

export interface ScanScopeDeps extends ReadScopeDeps {
  clients: Pick<AwsClients, 'forScope'>;
  store: FindingsStore;
  /** where a failed attempt leaves what it read, for the next attempt */
  progress: ScopeProgressStore;
  now?: () => Date;
}

/**
 * One account x region: inventory and its parts, IMDSv1 use of the instances that allow it,
 * classification, diff against the previous snapshot, and the new snapshot stored. A part that
 * cannot be read is a partial error; a transient failure of the inventory (or of Redis) is thrown
 * for the job to retry, and what this attempt read is kept for the next one.
 */
export async function scanScope(deps: ScanScopeDeps, data: ScopeJobData): Promise<ScopeResult> {
  const now = deps.now?.() ?? new Date();
  const scope = { accountId: data.account.accountId, region: data.region };
  const clients = deps.clients.forScope(data.account, data.region);
  const progress = await deps.progress.load(data.scanId, scope);
  const resumed = Object.keys(progress).length > 0;
  try {
    const read = await readScope(
      deps,
      clients,
      scope,
      { windowDays: data.settings.windowDays, now },
      progress,
    );
    const result = await commit(deps, data, now, read);
    if (resumed) await deps.progress.clear(data.scanId, scope);
    return result;
  } catch (err) {
    // best effort: without it the next attempt reads everything again, which is still correct
    await deps.progress.save(data.scanId, scope, progress).catch(() => undefined);
    throw err;
  }
}

async function commit(
  deps: ScanScopeDeps,
  data: ScopeJobData,
  now: Date,
  read: ScopeRead,
): Promise<ScopeResult> {
  const { inventory, usage, usageError, rejected, errors } = read;
  const scope = { accountId: inventory.accountId, region: inventory.region };
  const findings = classifyScope(inventory, usage, { ...data.settings, now, usageError });
  const snapshot: ScopeSnapshot = {
    ...scope,
    scanId: data.scanId,
    scannedAt: now.toISOString(),
    findings,
    launchTemplates: inventory.launchTemplates,
    accountDefault: inventory.accountDefault,
    ...(errors.length > 0 ? { partialErrors: errors } : {}),
  };
  const prev = await deps.store.getSnapshot(scope);
  const diff = diffSnapshots(prev, snapshot);
  const key = (instanceId: string) => instanceKey({ ...scope, instanceId });
  const remediatedSeconds = await deps.store.commitSnapshot(
    snapshot,
    {
      // on a first scan every laggard is "new"; keep its first-seen time from now on
      became: findings.filter(isLaggard).map((f) => key(f.instanceId)),
      regressed: diff.regressed.map((f) => key(f.instanceId)),
      cleared: [
        ...diff.fixed.map((f) => f.instanceId),
        ...diff.gone.filter((g) => g.wasLaggard).map((g) => g.instanceId),
      ].map(key),
    },
    now,
  );
  const rejections = [...rejected].flatMap(([instanceId, u]) =>
    u.noTokenCalls > 0 ? [{ ...scope, instanceId, count: u.noTokenCalls, lastSeen: u.lastSeen }] : [],
  );
  return {
    ...scope,
    summary: summarize([snapshot], errors),
    diff: countDiff(diff),
    firstScan: diff.firstScan,
    remediatedSeconds,
    rejections,
    errors,
  };
}

/** BullMQ job ids may not contain ':'. */
export const scopeJobId = (scanId: string, s: { accountId: string; region: string }) =>
  `${scanId}-${s.accountId}-${s.region}`;

const SCOPE_JOB_ID = new RegExp(`-(${ACCOUNT_ID_DIGITS})-([a-z0-9-]+)$`);

export function scopeOfJobId(jobId: string): { accountId: string; region: string } | null {
  const m = SCOPE_JOB_ID.exec(jobId);
  return m?.[1] && m[2] ? { accountId: m[1], region: m[2] } : null;
}
