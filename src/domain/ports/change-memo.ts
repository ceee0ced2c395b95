import type { LaunchTemplate } from '../findings/model.js';

/** Ports of what change control keeps beside a request: states before, refresh watches, bulk counts. */

/** What a change did, as the audit trail and the request record it. */
export type Json = Record<string, string | number | boolean | null>;

/** What change control keeps beside a request, for a retried job and a rollback. */
export interface ChangeMemo {
  /** the state found just before a change (`<request>` or `<bulk>:<instance>`); the first write wins */
  keepBefore(key: string, before: Json): Promise<void>;
  before(key: string): Promise<Json | null>;
  /** a launch template's row as the scan saw it before a request changed it */
  keepTemplateRow(requestId: string, row: LaunchTemplate): Promise<void>;
  templateRow(requestId: string): Promise<LaunchTemplate | null>;
  /** the instance refreshes whose card is followed, each with its next poll (the sweeper re-queues a lost one) */
  keepWatch(requestId: string, next: RefreshWatch): Promise<void>;
  endWatch(requestId: string): Promise<void>;
  watches(): Promise<Map<string, RefreshWatch>>;
}

/** The next read of a followed refresh: its poll number and the status the card last showed. */
export interface RefreshWatch {
  poll: number;
  lastStatus: string | null;
}

export type BulkOutcome = 'done' | 'failed' | 'skipped';

export interface BulkCounts {
  done: number;
  failed: number;
  skipped: number;
  finished: number;
}

/** The running counts of a bulk request's items, counted atomically. */
export interface BulkTally {
  /**
   * counts an item's outcome once (a job run again, after a crash or a Redis failover, is not
   * counted twice: the first outcome of an instance stays); returns the counts with it
   */
  count(
    requestId: string,
    instanceId: string,
    outcome: BulkOutcome,
  ): Promise<BulkCounts & { counted: boolean }>;
  counts(requestId: string): Promise<BulkCounts>;
  /** an item left alone, with why */
  skip(requestId: string, instanceId: string, reason: string): Promise<void>;
  skipped(requestId: string): Promise<string[]>;
}
