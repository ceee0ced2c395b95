import { Queue } from 'bullmq';
import type { DigestSchedule, Workflow } from '../../config/workflow-schema.js';
import type { Trigger } from '../../domain/findings/scan.js';
import type { Logger } from '../log.js';
import { redisKeys } from '../redis/keys.js';
import { QUEUE, type QueueDeps, type ScanQueues } from './scan-queues.js';
import { makeWorker } from './worker.js';

export interface SchedulerDeps extends QueueDeps {
  queues: ScanQueues;
  workflow: Workflow;
  log: Logger;
  request: (trigger: Trigger) => Promise<{ scanId: string; joined: boolean }>;
}

/**
 * The workflow's scan cron as a BullMQ job scheduler (one per workflow, upserted: restarting
 * any number of workers never duplicates it), and the worker that turns each tick into a scan.
 * A tick that finds a scan still running joins it instead of starting a second one.
 */
export async function startScanScheduler(deps: SchedulerDeps) {
  const id = `scan:${deps.workflow.name}`.replace(/:/g, '-');
  const schedule = deps.workflow.schedules.scan;
  if (schedule) {
    await deps.queues.trigger.upsertJobScheduler(
      id,
      { pattern: schedule.cron, tz: schedule.timezone },
      { name: 'scheduled-scan', data: { workflow: deps.workflow.name } },
    );
    deps.log.info({ scheduler: id, cron: schedule.cron, tz: schedule.timezone }, 'scan schedule set');
  } else {
    await deps.queues.trigger.removeJobScheduler(id);
  }
  const worker = makeWorker(
    deps,
    QUEUE.trigger,
    async () => {
      const { scanId, joined } = await deps.request({ kind: 'schedule', by: null });
      deps.log.info(
        { scanId, joined },
        joined ? 'scheduled scan joined the running one' : 'scheduled scan started',
      );
      return { scanId, joined };
    },
    { connection: 'trigger-worker' },
  );
  return { worker, close: () => worker.close() };
}

/** The workflow's digest cron as a job scheduler on the Slack task queue (removed when the workflow has none). */
export async function scheduleDigests(queue: Queue, schedule: DigestSchedule | undefined): Promise<void> {
  const id = 'digest';
  if (!schedule) {
    await queue.removeJobScheduler(id);
    return;
  }
  await queue.upsertJobScheduler(
    id,
    { pattern: schedule.cron, tz: schedule.timezone },
    {
      name: 'digest',
      data: {
        kind: 'digest',
        trigger: { kind: 'schedule', by: null },
        onlyRegressions: false,
        ...(schedule.env ? { env: schedule.env } : {}),
      },
    },
  );
}

/**
 * Every minute, once across every worker process (one job scheduler): `sweep` runs (snoozes that
 * ended, requests that expired, requests stuck without a live job).
 */
export async function startSweeper(deps: QueueDeps & { sweep: () => Promise<unknown> }) {
  const name = 'sweeper';
  const bull = { prefix: redisKeys(deps.prefix).bull };
  const queue = new Queue(name, { ...bull, connection: deps.connect('sweeper-queue') });
  await queue.upsertJobScheduler('snoozes', { every: 60_000 }, { name: 'snoozes', data: {} });
  queue.on('error', deps.onError);
  const worker = makeWorker(deps, name, deps.sweep, { connection: 'sweeper-worker' });
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
