import type { DriftAlerts } from '../../domain/ports/drift.js';
import type { DriftBurst } from '../redis/drift-burst.js';
import type { SlackTaskQueue } from './task-queue.js';

/** One deduplication id for every drift alert: at most one waits at a time. */
const DRIFT_ALERT_ID = 'drift-alert';

export interface DriftAlertDeps {
  tasks: SlackTaskQueue;
  /** when the current burst began, kept in Redis */
  burst: DriftBurst;
  /** the alert goes once no event came for this long... */
  quietSeconds: number;
  /** ...or this long after the first event of the burst, whichever is sooner */
  maxDelaySeconds: number;
  now?: () => number;
}

/**
 * Drift alerts as the digest of regressions (the owner routing, escaping and fallback of every
 * digest). The first event of a burst queues one digest job; each event after it pushes the job
 * back to `quietSeconds` from now (BullMQ deduplication with reschedule), but never past
 * `maxDelaySeconds` from the burst's first event (kept in Redis, shared by every worker). A burst
 * of 500 launches is one message per owner listing the instances, not 500 messages; an event while
 * the digest runs gets a digest of its own after it (keepLastIfActive), never lost.
 */
export function createDriftAlerts(deps: DriftAlertDeps): DriftAlerts {
  const now = deps.now ?? Date.now;
  const maxMs = deps.maxDelaySeconds * 1000;
  return {
    async soon() {
      const at = now();
      const first = await deps.burst.firstEventAt(at, maxMs);
      const delay = Math.max(0, Math.min(deps.quietSeconds * 1000, first + maxMs - at));
      await deps.tasks.queue.add(
        'digest',
        { kind: 'digest', trigger: { kind: 'scan', by: 'drift-events' }, onlyRegressions: true },
        {
          delay,
          deduplication: { id: DRIFT_ALERT_ID, reschedule: true, keepLastIfActive: true },
          attempts: 5,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: { age: 86_400, count: 5000 },
          removeOnFail: { age: 14 * 86_400 },
        },
      );
    },
  };
}
