import { FlowProducer, Job, Queue, QueueEvents, type Worker } from 'bullmq';
import { ACCOUNT_ID_DIGITS } from '../../domain/account-id.js';
import type { Scope } from '../../domain/findings/model.js';
import type { ScanJobData, ScopeJobData } from '../../domain/findings/scan.js';
import type { ScanJobState, ScanQueue } from '../../domain/ports/queues.js';
import type { RedisClient } from '../redis/connection.js';
import { redisKeys } from '../redis/keys.js';

export const QUEUE = { scan: 'scan', scope: 'scan-scope', trigger: 'scan-trigger' } as const;

export interface QueueDeps {
  /** a connection factory: BullMQ classes each get their own */
  connect: (name: string) => RedisClient;
  prefix: string;
  /** the 'error' listener of every BullMQ class (without one, BullMQ prints raw stack traces) */
  onError: (err: Error) => void;
  /** told about every worker makeWorker builds (the metrics adapter counts its jobs, /readyz checks it runs) */
  onWorker?: (worker: Worker) => void;
}

/** The producer side: queues, the flow producer and (lazily) the events of the scan queue. */
export function createScanQueues({ connect, prefix, onError }: QueueDeps) {
  const bull = { prefix: redisKeys(prefix).bull };
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

/** BullMQ job ids may not contain ':'. */
export const scopeJobId = (scanId: string, s: { accountId: string; region: string }) =>
  `${scanId}-${s.accountId}-${s.region}`;

const SCOPE_JOB_ID = new RegExp(`-(${ACCOUNT_ID_DIGITS})-([a-z0-9-]+)$`);

export function scopeOfJobId(jobId: string): Scope | null {
  const m = SCOPE_JOB_ID.exec(jobId);
  return m?.[1] && m[2] ? { accountId: m[1], region: m[2] } : null;
}

const SCAN_JOB_OPTS = {
  removeOnComplete: { age: 7 * 86_400, count: 500 },
  removeOnFail: { age: 7 * 86_400 },
};

const SCOPE_JOB_OPTS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  ignoreDependencyOnFailure: true,
  removeOnComplete: { age: 86_400, count: 20_000 },
  removeOnFail: { age: 7 * 86_400 },
};

/**
 * The job's state, and its result once completed. `job` may have been read while it still ran
 * (returnvalue null then): a completed job is read again, after its state said so, since BullMQ
 * stores the result and the state in one step.
 */
async function stateOf(job: Job, reread: () => Promise<Job | undefined>): Promise<ScanJobState> {
  const state = await job.getState();
  if (state === 'completed') return { state, returnValue: (await reread())?.returnvalue ?? job.returnvalue };
  if (state === 'failed') return { state, reason: job.failedReason };
  return { state: state === 'unknown' ? 'unknown' : 'running' };
}

/** The scan use cases' view of the queues: a scan is one BullMQ flow, its scopes the children. */
export function scanQueueOf(queues: ScanQueues): ScanQueue {
  const job = (scanId: string) => Job.fromId(queues.scan, scanId);
  return {
    async enqueue(scan: ScanJobData, scopes: ScopeJobData[]): Promise<void> {
      await queues.flow.add({
        name: 'scan',
        queueName: QUEUE.scan,
        data: scan,
        opts: { jobId: scan.scanId, ...SCAN_JOB_OPTS },
        children: scopes.map((data) => ({
          name: 'scope',
          queueName: QUEUE.scope,
          data,
          opts: {
            ...SCOPE_JOB_OPTS,
            jobId: scopeJobId(scan.scanId, { accountId: data.account.accountId, region: data.region }),
          },
        })),
      });
    },
    async state(scanId: string): Promise<ScanJobState | null> {
      const found = await job(scanId);
      return found ? stateOf(found, () => job(scanId)) : null;
    },
    async finished(scanId: string): Promise<unknown> {
      const found = await job(scanId);
      if (!found) throw new Error(`scan ${scanId} is not known (finished long ago, or never started)`);
      return found.waitUntilFinished(queues.events());
    },
    async progress(scanId: string): Promise<{ done: number; total: number } | null> {
      const c = await (await job(scanId))?.getDependenciesCount();
      if (!c) return null;
      const done = (c.processed ?? 0) + (c.ignored ?? 0) + (c.failed ?? 0);
      return { done, total: done + (c.unprocessed ?? 0) };
    },
  };
}
