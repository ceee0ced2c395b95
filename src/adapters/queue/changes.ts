import { FlowProducer, type Job, Queue, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { applyChange } from '../../app/change/apply.js';
import { applyBulkItem, finishBulk } from '../../app/change/bulk.js';
import type { ChangeContext } from '../../app/change/context.js';
import { watchJobId } from '../../app/change/refresh-follow.js';
import { watchRefresh } from '../../app/change/refresh-watch.js';
import type { Logger } from '../log.js';
import { redisKeys } from '../redis/keys.js';
import type { QueueDeps } from './scan-queues.js';
import { makeWorker } from './worker.js';

export const CHANGE_QUEUE = 'changes';

const ChangeJob = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('apply'), requestId: z.string() }),
  z.object({
    kind: z.literal('bulk-item'),
    requestId: z.string(),
    instanceId: z.string(),
    region: z.string(),
  }),
  z.object({ kind: z.literal('bulk-finish'), requestId: z.string() }),
  /** one read of a running instance refresh for its card */
  z.object({
    kind: z.literal('refresh-watch'),
    requestId: z.string(),
    poll: z.number().int().positive(),
    lastStatus: z.string().nullable(),
  }),
]);

const ATTEMPTS = 6;
const OPTS = {
  attempts: ATTEMPTS,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 30 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
};

/**
 * A refresh's read changes nothing: retried briefly, then left failed. The sweeper queues the next
 * read of a watch whose job failed for good (resumeRefreshWatches), so the card still reaches the end.
 */
const WATCH_RETRIES = { attempts: 3, backoff: { type: 'fixed', delay: 1000 } };

export function createChangeQueue({ connect, prefix, onError }: QueueDeps) {
  const bull = { prefix: redisKeys(prefix).bull };
  const queue = new Queue(CHANGE_QUEUE, { ...bull, connection: connect('change-queue') }).on(
    'error',
    onError,
  );
  const flow = new FlowProducer({ ...bull, connection: connect('change-flow') }).on('error', onError);
  return {
    queue,
    /** one apply job per request: a second approval racing the first cannot start a second change */
    async enqueueApply(requestId: string): Promise<void> {
      await queue.add('apply', { kind: 'apply', requestId }, { ...OPTS, jobId: `apply-${requestId}` });
    },
    /** one job per item (`item-<id>-<instance>`) under a parent (`bulk-<id>`) that closes the request */
    async enqueueBulk(requestId: string, items: readonly { instanceId: string; region: string }[]) {
      const children = items.map(({ instanceId, region }) => ({
        name: 'bulk-item',
        queueName: CHANGE_QUEUE,
        data: { kind: 'bulk-item', requestId, instanceId, region },
        opts: { ...OPTS, jobId: `item-${requestId}-${instanceId}`, ignoreDependencyOnFailure: true },
      }));
      await flow.add({
        name: 'bulk-finish',
        queueName: CHANGE_QUEUE,
        data: { kind: 'bulk-finish', requestId },
        opts: { ...OPTS, jobId: `bulk-${requestId}` },
        children,
      });
    },
    /** `watch-<id>-<poll>` (watchJobId): a retried poll job cannot queue its successor twice */
    async enqueueRefreshWatch(requestId: string, poll: number, delayMs: number, lastStatus: string | null) {
      await queue.add(
        'refresh-watch',
        { kind: 'refresh-watch', requestId, poll, lastStatus },
        {
          ...OPTS,
          ...WATCH_RETRIES,
          delay: delayMs,
          jobId: watchJobId(requestId, poll),
          removeOnComplete: { age: 86_400 },
        },
      );
    },
    async jobState(jobId: string): Promise<'live' | 'ended' | 'missing'> {
      const state = await queue.getJobState(jobId);
      if (state === 'unknown') return 'missing';
      return state === 'completed' || state === 'failed' ? 'ended' : 'live';
    },
    async close() {
      await Promise.all([queue.close(), flow.close()]);
    },
  };
}
export type ChangeQueue = ReturnType<typeof createChangeQueue>;

async function process(ctx: ChangeContext, job: Job): Promise<string> {
  const parsed = ChangeJob.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`bad change job: ${parsed.error.message}`);
  const d = parsed.data;
  const meta = { id: job.id ?? '', attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? ATTEMPTS };
  if (d.kind === 'apply') return applyChange(ctx, d.requestId, meta);
  if (d.kind === 'bulk-item') return applyBulkItem(ctx, d.requestId, d.instanceId, d.region, meta);
  if (d.kind === 'refresh-watch') return watchRefresh(ctx, d.requestId, d.poll, d.lastStatus);
  return finishBulk(ctx, d.requestId);
}

/**
 * The workers that change production. Locks are short so a crashed worker's job is picked up
 * again within seconds; the job resumes its own 'applying' request (see applyChange).
 */
export function startChangeWorker(
  deps: QueueDeps & { ctx: ChangeContext; log: Logger; concurrency?: number },
) {
  const worker = makeWorker(deps, CHANGE_QUEUE, (job) => process(deps.ctx, job), {
    connection: 'change-worker',
    options: { concurrency: deps.concurrency ?? 16, lockDuration: 15_000, stalledInterval: 5_000 },
    failed: { log: deps.log, message: 'change job attempt failed' },
  });
  return { worker, close: () => worker.close() };
}
