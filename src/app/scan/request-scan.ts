import { randomBytes } from 'node:crypto';
import type { Workflow } from '../../config/workflow-schema.js';
import type { Scope } from '../../domain/findings/model.js';
import type {
  ScanFilter,
  ScanJobData,
  ScanSettings,
  ScopeJobData,
  Trigger,
} from '../../domain/findings/scan.js';
import type { ScopePlanner } from '../../domain/ports/inventory.js';
import type { ScanQueue } from '../../domain/ports/queues.js';
import type { ScanLocks } from '../../domain/ports/scan-state.js';
import type { Clock, Logger } from '../../domain/ports/shared.js';

export interface RequestScanDeps {
  queue: Pick<ScanQueue, 'enqueue' | 'state'>;
  locks: ScanLocks;
  plan: ScopePlanner;
  log: Logger;
  now?: Clock;
}

/** A lock whose scan has not appeared after this long was left by a crash while planning. */
const PLANNING_GRACE_MS = 10 * 60_000;

export const newScanId = (now: Date): string =>
  `scan-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;

export const settingsOf = (w: Workflow): ScanSettings => ({
  ownerTags: w.owners.tags,
  environment: { tag: w.environment.tag, prodValues: w.environment.prodValues },
  windowDays: w.usage.windowDays,
});

async function lockIsStale(queue: RequestScanDeps['queue'], holder: string, now: number): Promise<boolean> {
  const [scanId = '', since = '0'] = holder.split('|');
  const job = await queue.state(scanId);
  if (!job) return now - Number(since) > PLANNING_GRACE_MS;
  return job.state !== 'running';
}

/**
 * Starts a scan of the workflow's scope (or a part of it), or joins the one already running for
 * the same scope: two requests never run two scans side by side.
 */
export async function requestScan(
  deps: RequestScanDeps,
  workflow: Workflow,
  trigger: Trigger,
  filter: ScanFilter = {},
) {
  const now = deps.now?.() ?? new Date();
  const scanId = newScanId(now);
  const lockId = `${workflow.name}:${filter.accountId ?? '*'}:${filter.region ?? '*'}`;
  const holder = `${scanId}|${now.getTime()}`;
  let lock = await deps.locks.acquire(lockId, holder);
  if (!lock.acquired && (await lockIsStale(deps.queue, lock.holder, now.getTime()))) {
    deps.log.warn({ lockId, stale: lock.holder }, 'taking over a stale scan lock');
    lock = { acquired: await deps.locks.steal(lockId, lock.holder, holder), holder };
  }
  // a joiner follows the running scan; its job may not exist yet (still planning): see waitForScan
  if (!lock.acquired) return { scanId: lock.holder.split('|')[0] ?? lock.holder, joined: true, lockId };
  try {
    // stamped once the lock is ours: a request made while the last scan was still being recorded
    // must not claim to have started before that scan finished
    const startedAt = (deps.now?.() ?? new Date()).toISOString();
    const plan = await deps.plan(filter);
    const scopes: Scope[] = plan.targets.flatMap((t) =>
      t.regions.map((region) => ({ accountId: t.account.accountId, region })),
    );
    const data: ScanJobData = {
      scanId,
      workflow: workflow.name,
      lock: { id: lockId, holder },
      trigger,
      startedAt,
      scopes,
      filter:
        filter.accountId || filter.region
          ? { accountId: filter.accountId ?? null, region: filter.region ?? null }
          : null,
      planErrors: plan.errors,
      notes: plan.notes,
    };
    const settings = settingsOf(workflow);
    const children = plan.targets.flatMap((t) =>
      t.regions.map(
        (region): ScopeJobData => ({
          scanId,
          account: { ...t.account, ...(t.account.externalId ? { externalId: t.account.externalId } : {}) },
          region,
          settings,
        }),
      ),
    );
    await deps.queue.enqueue(data, children);
    deps.log.info({ scanId, scopes: scopes.length, planErrors: plan.errors.length }, 'scan started');
    return { scanId, joined: false, lockId };
  } catch (err) {
    await deps.locks.release(lockId, holder);
    throw err;
  }
}
