import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { TaskContext } from '../slack/tasks/context.js';
import { SlackTask } from '../slack/tasks/schema.js';
import type { QueueDeps } from './scan-queues.js';

export const SLACK_TASK_QUEUE = 'slack-tasks';

const OPTS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 86_400, count: 5000 },
  removeOnFail: { age: 14 * 86_400 },
};

export function createSlackTaskQueue({ connect, prefix }: QueueDeps) {
  const queue = new Queue(SLACK_TASK_QUEUE, {
    prefix: `${prefix}:bull`,
    connection: connect('slack-task-queue'),
  });
  return {
    queue,
    add: (task: SlackTask, jobId?: string) =>
      queue.add(task.kind, task, { ...OPTS, ...(jobId ? { jobId } : {}) }),
    close: () => queue.close(),
  };
}
export type SlackTaskQueue = ReturnType<typeof createSlackTaskQueue>;

export type TaskHandler = (ctx: TaskContext, task: SlackTask) => Promise<unknown>;

/** Runs the work listeners handed over: commands, digests, Home tabs, card clicks. */
export function startSlackTaskWorker(
  deps: QueueDeps & { ctx: TaskContext; handle: TaskHandler; log: Logger; concurrency?: number },
) {
  const worker = new Worker(
    SLACK_TASK_QUEUE,
    async (job) => {
      const parsed = SlackTask.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`bad slack task: ${parsed.error.message}`);
      return deps.handle(deps.ctx, parsed.data);
    },
    {
      prefix: `${deps.prefix}:bull`,
      connection: deps.connect('slack-task-worker'),
      concurrency: deps.concurrency ?? 4,
    },
  );
  worker.on('error', (err) => deps.log.error({ err: errorMessage(err) }, 'slack-task worker error'));
  worker.on('failed', (job, err) =>
    deps.log.warn({ jobId: job?.id, kind: job?.name, err: errorMessage(err) }, 'slack task failed'),
  );
  return { worker, close: () => worker.close() };
}
