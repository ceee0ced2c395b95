import type { Job, Worker } from 'bullmq';
import { z } from 'zod';
import type { Metrics } from './catalog.js';

/** The part of a scan-scope job's result the scope metrics read. */
const ScopeResult = z.object({
  accountId: z.string(),
  region: z.string(),
  summary: z.object({
    instances: z.number(),
    scopes: z.object({ partial: z.number().default(0), failed: z.number() }),
  }),
});

const SCOPE_QUEUE = 'scan-scope';

function scopeFinished(metrics: Metrics, job: Job): void {
  const parsed = ScopeResult.safeParse(job.returnvalue);
  if (!parsed.success) return;
  const { accountId: account, region, summary } = parsed.data;
  const seconds = job.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : null;
  const result = summary.scopes.failed > 0 ? 'failed' : summary.scopes.partial > 0 ? 'partial' : 'ok';
  metrics.scopeScans.inc({ account, region, result });
  metrics.scopeInstances.set({ account, region }, summary.instances);
  if (seconds === null) return;
  metrics.scanDuration.observe(seconds);
  metrics.scopeLastDuration.set({ account, region }, seconds);
}

/**
 * The workers of this process, for the job counters and for /readyz (every worker running).
 * A failed attempt that BullMQ will try again counts as `retried`, the last one as `failed`.
 */
export function createWorkerWatch(metrics: Metrics) {
  const workers = new Set<Worker>();
  metrics.workersRunning.reset();
  return {
    observe(worker: Worker): void {
      workers.add(worker);
      const queue = worker.name;
      worker.on('completed', (job) => {
        metrics.jobs.inc({ queue, outcome: 'completed' });
        if (queue === SCOPE_QUEUE) scopeFinished(metrics, job);
      });
      worker.on('failed', (job) => {
        const retried = job !== undefined && job.attemptsMade < (job.opts.attempts ?? 1);
        metrics.jobs.inc({ queue, outcome: retried ? 'retried' : 'failed' });
      });
    },
    /** Running workers by queue, set on the gauge; true when there is at least one and all run. */
    check(): boolean {
      metrics.workersRunning.reset();
      let all = workers.size > 0;
      for (const w of workers) {
        const running = w.isRunning() && !w.closing;
        metrics.workersRunning.inc({ queue: w.name }, running ? 1 : 0);
        all &&= running;
      }
      return all;
    },
  };
}
export type WorkerWatch = ReturnType<typeof createWorkerWatch>;
