import { Queue, UnrecoverableError, type Worker } from 'bullmq';
import type { Logger } from '../log.js';
import type { QueueDeps } from '../queue/scan-queues.js';
import { makeWorker } from '../queue/worker.js';
import { redisKeys } from '../redis/keys.js';
import { type Lane, laneOf } from './tasks/lanes.js';
import { SlackTask } from './tasks/schema.js';

/** The long lane (scans followed to their end, reports, digests, bulk work) and the schedules. */
export const SLACK_TASK_QUEUE = 'slack-tasks';
/** Clicks, status, requests and decisions: never behind long work. */
export const SLACK_INTERACTIVE_QUEUE = 'slack-interactive';

const QUEUE_OF: Record<Lane, string> = { long: SLACK_TASK_QUEUE, interactive: SLACK_INTERACTIVE_QUEUE };

const OPTS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 86_400, count: 5000 },
  removeOnFail: { age: 14 * 86_400 },
};

export function createSlackTaskQueue({ connect, prefix, onError }: QueueDeps) {
  const open = (lane: Lane) =>
    new Queue(QUEUE_OF[lane], {
      prefix: redisKeys(prefix).bull,
      connection: connect(`slack-${lane}-queue`),
    }).on('error', onError);
  const lanes: Record<Lane, Queue> = { long: open('long'), interactive: open('interactive') };
  return {
    /** the long lane, where the digest schedule lives */
    queue: lanes.long,
    interactive: lanes.interactive,
    add: (task: SlackTask, jobId?: string) =>
      lanes[laneOf(task)].add(task.kind, task, { ...OPTS, ...(jobId ? { jobId } : {}) }),
    close: () => Promise.all([lanes.long.close(), lanes.interactive.close()]).then(() => undefined),
  };
}
export type SlackTaskQueue = ReturnType<typeof createSlackTaskQueue>;

export type TaskHandler = (task: SlackTask) => Promise<unknown>;

export interface SlackTaskWorkerDeps extends QueueDeps {
  handle: TaskHandler;
  log: Logger;
  /** workers per lane (default 4 each) */
  concurrency?: Partial<Record<Lane, number>>;
}

function laneWorker(deps: SlackTaskWorkerDeps, lane: Lane): Worker {
  return makeWorker(
    deps,
    QUEUE_OF[lane],
    async (job) => {
      const parsed = SlackTask.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`bad slack task: ${parsed.error.message}`);
      return deps.handle(parsed.data);
    },
    {
      connection: `slack-${lane}-worker`,
      options: { concurrency: deps.concurrency?.[lane] ?? 4 },
      failed: { log: deps.log, message: 'slack task failed', fields: (job) => ({ lane, kind: job?.name }) },
    },
  );
}

/** Runs the work listeners handed over, one set of workers per lane. */
export function startSlackTaskWorker(deps: SlackTaskWorkerDeps) {
  const workers: Record<Lane, Worker> = {
    long: laneWorker(deps, 'long'),
    interactive: laneWorker(deps, 'interactive'),
  };
  return {
    workers,
    close: () => Promise.all([workers.long.close(), workers.interactive.close()]).then(() => undefined),
  };
}
