import { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import { redisKeys } from '../redis/keys.js';
import { scanKeys } from '../redis/scan-keys.js';
import type { LabelValue, Metrics } from './catalog.js';

type QueueState = LabelValue<'queueDepth', 'state'>;
const QUEUE_STATES: QueueState[] = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
];
const DISCOVER_EVERY_MS = 5 * 60_000;

export interface AnchorMark {
  at: string;
  seq: number;
}

export interface SharedStateDeps {
  redis: RedisClient;
  /** the bot's key prefix (IMDS_BOT_PREFIX); BullMQ's keys live under `${prefix}:bull` */
  prefix: string;
  changeCounts: () => Promise<Record<string, number>>;
  /** sequence number of the audit chain head, null when empty */
  auditHead: () => Promise<number | null>;
  /** the newest anchor written outside Redis, null when there is none */
  lastAnchor: () => Promise<AnchorMark | null>;
  /** the 'error' listener of the BullMQ queues read here (without one, BullMQ prints raw errors) */
  onQueueError: (err: Error) => void;
  now?: () => number;
}

/**
 * Gauges of the state every replica shares (queues, change requests, audit chain), read from Redis
 * when Prometheus scrapes, so a fresh process reports them at once and all replicas agree. Queues are
 * found by their BullMQ meta keys (re-discovered every 5 minutes), so a new queue needs no change here.
 */
export function collectSharedState(metrics: Metrics, deps: SharedStateDeps) {
  const now = deps.now ?? Date.now;
  const bull = redisKeys(deps.prefix).bull;
  const queues = new Map<string, Queue>();
  let discoveredAt = Number.NEGATIVE_INFINITY;

  async function discover(): Promise<void> {
    if (now() - discoveredAt < DISCOVER_EVERY_MS) return;
    for (const key of await scanKeys(deps.redis, `${bull}:*:meta`)) {
      const name = key.slice(bull.length + 1, -':meta'.length);
      if (queues.has(name)) continue;
      queues.set(
        name,
        new Queue(name, { prefix: bull, connection: deps.redis }).on('error', deps.onQueueError),
      );
    }
    discoveredAt = now();
  }

  async function queueGauges(): Promise<void> {
    await discover();
    for (const [name, queue] of queues) {
      const counts = await queue.getJobCounts(...QUEUE_STATES);
      for (const state of QUEUE_STATES) metrics.queueDepth.set({ queue: name, state }, counts[state] ?? 0);
      const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
      metrics.queueOldestAge.set(
        { queue: name },
        oldest ? Math.max(0, (now() - oldest.timestamp) / 1000) : 0,
      );
    }
  }

  async function changeGauges(): Promise<void> {
    for (const [state, n] of Object.entries(await deps.changeCounts()))
      metrics.changeRequests.set({ state }, n);
  }

  async function auditGauges(): Promise<void> {
    const [head, anchor] = await Promise.all([deps.auditHead(), deps.lastAnchor()]);
    metrics.auditLength.set(head ?? 0);
    metrics.auditUnanchored.set(Math.max(0, (head ?? 0) - (anchor?.seq ?? 0)));
    // never anchored: infinitely long ago (an unlabelled gauge cannot be left out)
    metrics.auditAnchorAge.set(
      anchor ? Math.max(0, (now() - Date.parse(anchor.at)) / 1000) : Number.POSITIVE_INFINITY,
    );
  }

  return {
    /** Reads everything; called before each scrape. A failure fails the scrape (Prometheus shows up=1, the error in the log). */
    async refresh(): Promise<void> {
      await Promise.all([queueGauges(), changeGauges(), auditGauges()]);
    },
    async close(): Promise<void> {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

/** The newest anchor the hourly audit-anchor job wrote: its last completed job's return value. */
export function lastAnchorOfQueue(redis: RedisClient, prefix: string, onError: (err: Error) => void) {
  const queue = new Queue('audit-anchor', { prefix: redisKeys(prefix).bull, connection: redis }).on(
    'error',
    onError,
  );
  return {
    async read(): Promise<AnchorMark | null> {
      const [job] = await queue.getJobs(['completed'], 0, 0, false);
      const v = job?.returnvalue as Partial<AnchorMark> | null | undefined;
      return v && typeof v.at === 'string' && typeof v.seq === 'number' ? { at: v.at, seq: v.seq } : null;
    },
    close: () => queue.close(),
  };
}
