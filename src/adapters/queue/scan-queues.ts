import { FlowProducer, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { DiffCounts, Rejection } from '../../app/scan/scan-scope.js';
import { ScanError, Scope } from '../../domain/findings/model.js';
import { ScanSummary } from '../../domain/findings/summary.js';
import { ScanRecord } from '../redis/findings.js';

export const QUEUE = { scan: 'scan', scope: 'scan-scope', trigger: 'scan-trigger' } as const;

export const Trigger = ScanRecord.shape.trigger;
export type Trigger = z.infer<typeof Trigger>;

/** The parent job of a scan: aggregates its account x region children. */
export const ScanJobData = z.object({
  scanId: z.string(),
  workflow: z.string(),
  /** the scan lock to release when the scan ends */
  lock: z.object({ id: z.string(), holder: z.string() }),
  trigger: Trigger,
  startedAt: z.string(),
  scopes: z.array(Scope),
  filter: z
    .object({ accountId: z.string().nullable(), region: z.string().nullable() })
    .nullable()
    .default(null),
  /** accounts that failed before any region job could start (AssumeRole, DescribeRegions) */
  planErrors: z.array(ScanError),
  /** what planning found worth telling that is no error (opt-in regions skipped) */
  notes: z.array(z.string()).default([]),
});
export type ScanJobData = z.infer<typeof ScanJobData>;

export const ScanOutcome = z.object({
  scanId: z.string(),
  workflow: z.string(),
  trigger: Trigger,
  startedAt: z.string(),
  finishedAt: z.string(),
  scopes: z.array(Scope),
  summary: ScanSummary,
  diff: DiffCounts,
  firstScan: z.boolean(),
  mttrSeconds: z.number().nullable(),
  remediated: z.number().int(),
  rejections: z.array(Rejection).default([]),
  errors: z.array(ScanError),
  /** from planning: opt-in regions skipped (absent when there is nothing to tell) */
  notes: z.array(z.string()).optional(),
});
export type ScanOutcome = z.infer<typeof ScanOutcome>;

export interface QueueDeps {
  /** a connection factory: BullMQ classes each get their own */
  connect: (name: string) => Redis;
  prefix: string;
  /** the 'error' listener of every BullMQ class (without one, BullMQ prints raw stack traces) */
  onError: (err: Error) => void;
}

/** The producer side: queues, the flow producer and (lazily) the events of the scan queue. */
export function createScanQueues({ connect, prefix, onError }: QueueDeps) {
  const bull = { prefix: `${prefix}:bull` };
  const scan = new Queue(QUEUE.scan, { ...bull, connection: connect('scan-queue') }).on('error', onError);
  const trigger = new Queue(QUEUE.trigger, { ...bull, connection: connect('trigger-queue') }).on(
    'error',
    onError,
  );
  const flow = new FlowProducer({ ...bull, connection: connect('flow-producer') }).on('error', onError);
  let events: QueueEvents | null = null;
  return {
    scan,
    trigger,
    flow,
    bull,
    events(): QueueEvents {
      events ??= new QueueEvents(QUEUE.scan, { ...bull, connection: connect('scan-events') }).on(
        'error',
        onError,
      );
      return events;
    },
    async close(): Promise<void> {
      await Promise.all([scan.close(), trigger.close(), flow.close(), events?.close()]);
    },
  };
}
export type ScanQueues = ReturnType<typeof createScanQueues>;
