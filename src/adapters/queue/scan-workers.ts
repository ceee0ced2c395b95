import { type Job, UnrecoverableError } from 'bullmq';
import { type FinishScanDeps, finishScan, type LostScope } from '../../app/scan/finish-scan.js';
import { runScopeJob, type ScanScopeDeps } from '../../app/scan/scan-scope.js';
import { ScanJobData, type ScanOutcome, ScopeJobData, ScopeResult } from '../../domain/findings/scan.js';
import { QUEUE, type QueueDeps, scopeOfJobId } from './scan-queues.js';
import { makeWorker, type WorkerSpec } from './worker.js';

export interface ScanWorkerDeps extends QueueDeps, FinishScanDeps {
  scope: ScanScopeDeps;
  concurrency: number;
}

/** An account x region job: its data read back through its schema, then the use case. */
export async function processScope(
  deps: ScanScopeDeps,
  job: Pick<Job, 'data' | 'attemptsMade' | 'opts'>,
): Promise<ScopeResult> {
  const parsed = ScopeJobData.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`bad scope job data: ${parsed.error.message}`);
  return runScopeJob(deps, parsed.data, { last: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) });
}

/** The parent: every child has finished (or failed for good); their results go to the use case. */
export async function processScan(deps: FinishScanDeps, job: Job): Promise<ScanOutcome> {
  const data = ScanJobData.parse(job.data);
  const results = Object.values(await job.getChildrenValues()).map((v) => ScopeResult.parse(v));
  const lost = Object.entries(await job.getIgnoredChildrenFailures()).map(
    ([key, reason]): LostScope => ({ scope: scopeOfJobId(key.split(':').pop() ?? key), reason }),
  );
  return finishScan(deps, data, results, lost);
}

/** The scan workers of one process: account x region jobs (bounded concurrency) and parents. */
export function startScanWorkers(deps: ScanWorkerDeps) {
  const failed = (queue: string): NonNullable<WorkerSpec['failed']> => ({
    log: deps.log,
    message: 'job attempt failed',
    fields: (job) => ({ attempts: job?.attemptsMade, queue }),
  });
  const scopeWorker = makeWorker(deps, QUEUE.scope, (job) => processScope(deps.scope, job), {
    connection: 'scope-worker',
    options: { concurrency: deps.concurrency },
    failed: failed(QUEUE.scope),
  });
  const scanWorker = makeWorker(deps, QUEUE.scan, (job) => processScan(deps, job), {
    connection: 'scan-worker',
    failed: failed(QUEUE.scan),
  });
  return {
    workers: [scopeWorker, scanWorker],
    async close(): Promise<void> {
      await Promise.all([scopeWorker.close(), scanWorker.close()]);
    },
  };
}
