import { Job } from 'bullmq';
import { ScanOutcome, type ScanQueues } from '../../adapters/queue/scan-queues.js';
import type { ScanLocks } from '../../adapters/redis/scan-lock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WaitDeps {
  queues: ScanQueues;
  locks: ScanLocks;
}

/**
 * The scan's job. A joiner may ask while the scan that holds the lock is still planning (its job
 * is added once AssumeRole and DescribeRegions have answered): it waits as long as that scan
 * holds the lock, and fails only when the lock went away without a job (planning failed).
 */
async function scanJob(deps: WaitDeps, scanId: string, lockId: string | undefined): Promise<Job> {
  for (;;) {
    const job = await Job.fromId(deps.queues.scan, scanId);
    if (job) return job;
    const holder = lockId ? await deps.locks.holder(lockId) : null;
    if (!holder?.startsWith(`${scanId}|`)) {
      const again = await Job.fromId(deps.queues.scan, scanId); // added just before it let go
      if (again) return again;
      throw new Error(
        lockId
          ? `scan ${scanId} ended before it started (its planning failed: see the process that started it); run the scan again`
          : `scan ${scanId} is not known (finished long ago, or never started)`,
      );
    }
    await sleep(200);
  }
}

/** The outcome once the job has finished, or null while it runs. */
async function finished(deps: WaitDeps, scanId: string): Promise<ScanOutcome | null> {
  const job = await Job.fromId(deps.queues.scan, scanId);
  const state = await job?.getState();
  if (state === 'completed') return ScanOutcome.parse(job?.returnvalue);
  if (state === 'failed') throw new Error(`scan ${scanId} failed: ${job?.failedReason ?? 'unknown error'}`);
  return null;
}

/**
 * Waits for a scan to finish, reporting scopes done / total now and then. The finish event is
 * not the only signal: a scan that ended before the events were being read (no scope, or every
 * scope failed while planning) is seen by looking at its state, first and every `pollMs`.
 */
export async function waitForScan(
  deps: WaitDeps,
  scanId: string,
  opts: { onProgress?: (done: number, total: number) => void; lockId?: string; pollMs?: number } = {},
): Promise<ScanOutcome> {
  const job = await scanJob(deps, scanId, opts.lockId);
  const done = await finished(deps, scanId);
  if (done) return done;
  let timer: NodeJS.Timeout | undefined;
  const polled = new Promise<ScanOutcome>((resolve, reject) => {
    timer = setInterval(() => {
      finished(deps, scanId).then((o) => o && resolve(o), reject);
      if (opts.onProgress) progress(job, opts.onProgress);
    }, opts.pollMs ?? 1000);
  });
  try {
    const event = job.waitUntilFinished(deps.queues.events()).then((v) => ScanOutcome.parse(v));
    return await Promise.race([event, polled]);
  } finally {
    clearInterval(timer);
  }
}

function progress(job: Job, onProgress: (done: number, total: number) => void): void {
  job
    .getDependenciesCount()
    .then((c) => {
      const done = (c.processed ?? 0) + (c.ignored ?? 0) + (c.failed ?? 0);
      onProgress(done, done + (c.unprocessed ?? 0));
    })
    .catch(() => undefined); // progress is best effort; the wait reports real failures
}
