import { type Job, type Processor, Worker, type WorkerOptions } from 'bullmq';
import { errorMessage } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports/shared.js';
import { redisKeys } from '../redis/keys.js';
import type { QueueDeps } from './scan-queues.js';

export interface WorkerSpec {
  /** names the worker's own Redis connection (e.g. 'change-worker') */
  connection: string;
  /** BullMQ's options beyond prefix and connection: concurrency, lock, limiter */
  options?: Omit<WorkerOptions, 'connection' | 'prefix'>;
  /** each failed attempt as one warning: the static message, the job's fields, then jobId and err */
  failed?: {
    log: Pick<Logger, 'warn'>;
    message: string;
    fields?: (job: Job | undefined) => Record<string, unknown>;
  };
}

/**
 * Every BullMQ worker of ours: our key prefix, its own connection, the one 'error' listener (without
 * it BullMQ prints raw stack traces on a Redis outage) and, when asked, a warning per failed attempt.
 */
export function makeWorker<R>(
  deps: QueueDeps,
  queue: string,
  processor: Processor<unknown, R>,
  spec: WorkerSpec,
): Worker<unknown, R> {
  const worker = new Worker<unknown, R>(queue, processor, {
    ...spec.options,
    prefix: redisKeys(deps.prefix).bull,
    connection: deps.connect(spec.connection),
  });
  worker.on('error', deps.onError);
  deps.onWorker?.(worker);
  const failed = spec.failed;
  if (failed) {
    worker.on('failed', (job, err) =>
      failed.log.warn({ ...failed.fields?.(job), jobId: job?.id, err: errorMessage(err) }, failed.message),
    );
  }
  return worker;
}
