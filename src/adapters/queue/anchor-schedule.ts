import { Queue } from 'bullmq';
import { type AnchorDeps, anchorAudit } from '../../app/change/anchor.js';
import type { Schedule } from '../../config/workflow-schema.js';
import type { Logger } from '../log.js';
import { redisKeys } from '../redis/keys.js';
import type { QueueDeps } from './scan-queues.js';
import { makeWorker } from './worker.js';

const QUEUE = 'audit-anchor';

/**
 * The audit chain's head, anchored outside Redis on the workflow's `schedules.anchor` (hourly by
 * default): one job scheduler shared by every worker process, so each tick anchors once.
 */
export async function startAnchorSchedule(
  deps: QueueDeps & { schedule: Schedule; anchor: AnchorDeps; log: Logger },
) {
  const bull = { prefix: redisKeys(deps.prefix).bull };
  const queue = new Queue(QUEUE, { ...bull, connection: deps.connect('anchor-queue') }).on(
    'error',
    deps.onError,
  );
  await queue.upsertJobScheduler(
    'anchor',
    { pattern: deps.schedule.cron, tz: deps.schedule.timezone },
    { name: 'anchor', data: {} },
  );
  const worker = makeWorker(
    deps,
    QUEUE,
    async () => {
      const a = await anchorAudit(deps.anchor);
      deps.log.info({ seq: a?.seq ?? null }, a ? 'audit chain anchored' : 'audit chain empty: no anchor');
      return a;
    },
    { connection: 'anchor-worker' },
  );
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
