import { randomBytes } from 'node:crypto';
import { Job } from 'bullmq';
import type { ScopePlan } from '../../adapters/aws/scopes.js';
import type { Logger } from '../../adapters/log.js';
import { QUEUE, type ScanJobData, type ScanQueues, type Trigger } from '../../adapters/queue/scan-queues.js';
import type { ScanLocks } from '../../adapters/redis/scan-lock.js';
import type { Workflow } from '../../config/workflow-schema.js';
import type { Scope } from '../../domain/findings/model.js';
import { type ScanSettings, type ScopeJobData, scopeJobId } from './scan-scope.js';

export interface ScanFilter {
  accountId?: string | undefined;
  region?: string | undefined;
}

export interface RequestScanDeps {
  queues: ScanQueues;
  locks: ScanLocks;
  plan: (filter: ScanFilter) => Promise<ScopePlan>;
  log: Logger;
  now?: () => Date;
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

const SCOPE_JOB_OPTS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  ignoreDependencyOnFailure: true,
  removeOnComplete: { age: 86_400, count: 20_000 },
  removeOnFail: { age: 7 * 86_400 },
};

async function lockIsStale(queues: ScanQueues, holder: string, now: number): Promise<boolean> {
  const [scanId = '', since = '0'] = holder.split('|');
  const job = await Job.fromId(queues.scan, scanId);
  if (!job) return now - Number(since) > PLANNING_GRACE_MS;
  const state = await job.getState();
  return state === 'completed' || state === 'failed' || state === 'unknown';
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
  if (!lock.acquired && (await lockIsStale(deps.queues, lock.holder, now.getTime()))) {
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
    await deps.queues.flow.add({
      name: 'scan',
      queueName: QUEUE.scan,
      data,
      opts: {
        jobId: scanId,
        removeOnComplete: { age: 7 * 86_400, count: 500 },
        removeOnFail: { age: 7 * 86_400 },
      },
      children: plan.targets.flatMap((t) =>
        t.regions.map((region) => {
          const child: ScopeJobData = {
            scanId,
            account: { ...t.account, ...(t.account.externalId ? { externalId: t.account.externalId } : {}) },
            region,
            settings,
          };
          return {
            name: 'scope',
            queueName: QUEUE.scope,
            data: child,
            opts: {
              ...SCOPE_JOB_OPTS,
              jobId: scopeJobId(scanId, { accountId: t.account.accountId, region }),
            },
          };
        }),
      ),
    });
    deps.log.info({ scanId, scopes: scopes.length, planErrors: plan.errors.length }, 'scan started');
    return { scanId, joined: false, lockId };
  } catch (err) {
    await deps.locks.release(lockId, holder);
    throw err;
  }
}
