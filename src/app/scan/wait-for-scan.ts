import { ScanOutcome } from '../../domain/findings/scan.js';
import type { ScanQueue } from '../../domain/ports/queues.js';
import type { ScanLocks } from '../../domain/ports/scan-state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WaitDeps {
  queue: Pick<ScanQueue, 'state' | 'finished' | 'progress'>;
  locks: Pick<ScanLocks, 'holder'>;
}

/**
 * Until the scan's job exists. A joiner may ask while the scan that holds the lock is still
 * planning (its job is added once AssumeRole and DescribeRegions have answered): it waits as long
 * as that scan holds the lock, and fails only when the lock went away without a job (planning failed).
 */
async function scanJob(deps: WaitDeps, scanId: string, lockId: string | undefined): Promise<void> {
  for (;;) {
    if (await deps.queue.state(scanId)) return;
    const holder = lockId ? await deps.locks.holder(lockId) : null;
    if (!holder?.startsWith(`${scanId}|`)) {
      if (await deps.queue.state(scanId)) return; // added just before it let go
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
  const job = await deps.queue.state(scanId);
  if (job?.state === 'completed') return ScanOutcome.parse(job.returnValue);
  if (job?.state === 'failed') throw new Error(`scan ${scanId} failed: ${job.reason ?? 'unknown error'}`);
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
  await scanJob(deps, scanId, opts.lockId);
  const done = await finished(deps, scanId);
  if (done) return done;
  let timer: NodeJS.Timeout | undefined;
  const polled = new Promise<ScanOutcome>((resolve, reject) => {
    timer = setInterval(() => {
      finished(deps, scanId).then((o) => o && resolve(o), reject);
      if (opts.onProgress) progress(deps, scanId, opts.onProgress);
    }, opts.pollMs ?? 1000);
  });
  try {
    const event = deps.queue.finished(scanId).then((v) => ScanOutcome.parse(v));
    return await Promise.race([event, polled]);
  } finally {
    clearInterval(timer);
  }
}

function progress(deps: WaitDeps, scanId: string, onProgress: (done: number, total: number) => void): void {
  deps.queue
    .progress(scanId)
    .then((p) => p && onProgress(p.done, p.total))
    .catch(() => undefined); // progress is best effort; the wait reports real failures
}
