import { CodedError } from '../../domain/errors.js';
import { classifyScope, isLaggard } from '../../domain/findings/classify.js';
import { countDiff, diffSnapshots } from '../../domain/findings/diff.js';
import { instanceKey, type ScopeSnapshot } from '../../domain/findings/model.js';
import { type ScopeJobData, type ScopeResult, scanErrorOf } from '../../domain/findings/scan.js';
import { summarize } from '../../domain/findings/summary.js';
import { withAmis } from '../../domain/guardrails/amis.js';
import type { FindingsStore } from '../../domain/ports/findings.js';
import type { OpenScope } from '../../domain/ports/inventory.js';
import type { ScopeProgressStore } from '../../domain/ports/scan-state.js';
import type { Clock } from '../../domain/ports/shared.js';
import { type ReadScopeDeps, readScope, type ScopeRead } from './read-scope.js';

export interface ScanScopeDeps extends ReadScopeDeps {
  open: OpenScope;
  store: FindingsStore;
  /** where a failed attempt leaves what it read, for the next attempt */
  progress: ScopeProgressStore;
  now?: Clock;
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
  const readers = deps.open(data.account, data.region);
  const progress = await deps.progress.load(data.scanId, scope);
  const resumed = Object.keys(progress).length > 0;
  try {
    const read = await readScope(
      deps,
      readers,
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

/** The instances that rejected IMDSv1 calls now or at an earlier scan, of those that still exist. */
function stillRejected(prev: ScopeSnapshot | null, read: ScopeRead): string[] {
  const live = new Set(read.inventory.instances.map((i) => i.instanceId));
  const now = [...read.rejected].filter(([, u]) => u.noTokenCalls > 0).map(([id]) => id);
  return [...new Set([...(prev?.rejectedCalls ?? []), ...now])].filter((id) => live.has(id)).sort();
}

async function commit(
  deps: ScanScopeDeps,
  data: ScopeJobData,
  now: Date,
  read: ScopeRead,
): Promise<ScopeResult> {
  const { inventory, usage, usageError, rejected, images, errors } = read;
  const scope = { accountId: inventory.accountId, region: inventory.region };
  const findings = withAmis(classifyScope(inventory, usage, { ...data.settings, now, usageError }), images);
  const snapshot: ScopeSnapshot = {
    ...scope,
    scanId: data.scanId,
    scannedAt: now.toISOString(),
    findings,
    launchTemplates: inventory.launchTemplates,
    accountDefault: inventory.accountDefault,
    autoScalingGroups: inventory.autoScalingGroups,
    images,
    ...(errors.length > 0 ? { partialErrors: errors } : {}),
  };
  const prev = await deps.store.getSnapshot(scope);
  const rejectedCalls = stillRejected(prev, read);
  if (rejectedCalls.length > 0) snapshot.rejectedCalls = rejectedCalls;
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

/** A scope that failed for good still yields a result: its error, and nothing scanned. */
function failedScope(data: ScopeJobData, err: CodedError): ScopeResult {
  const error = scanErrorOf({ accountId: data.account.accountId, region: data.region }, 'inventory', err);
  return {
    accountId: data.account.accountId,
    region: data.region,
    summary: summarize([], [error]),
    diff: { new: 0, fixed: 0, regressed: 0, gone: 0 },
    firstScan: false,
    remediatedSeconds: [],
    rejections: [],
    errors: [error],
  };
}

/**
 * One attempt of a scope's job. A permanent failure (or the last attempt of a transient one)
 * becomes the scope's result, saying what failed rather than "retries exhausted"; a transient
 * (throttling, 5xx, network) or unexpected failure is thrown for the queue to retry with backoff.
 */
export async function runScopeJob(
  deps: ScanScopeDeps,
  data: ScopeJobData,
  attempt: { last: boolean },
): Promise<ScopeResult> {
  try {
    return await scanScope(deps, data);
  } catch (err) {
    if (err instanceof CodedError && (!err.transient || attempt.last)) return failedScope(data, err);
    throw err;
  }
}
