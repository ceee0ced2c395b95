import type { ScanJobData, ScopeJobData } from '../findings/scan.js';

/** Ports of the job queues: scans, and the apply jobs that change production. */

/** Where a scan's job is: its outcome (unparsed) once completed, why once failed. */
export type ScanJobState =
  | { state: 'completed'; returnValue: unknown }
  | { state: 'failed'; reason: string | undefined }
  | { state: 'running' }
  /** known by id but in no list (removed, or in between) */
  | { state: 'unknown' };

export interface ScanQueue {
  /** The scan and its account x region jobs, added at once: the scan runs when they all ended. */
  enqueue(scan: ScanJobData, scopes: ScopeJobData[]): Promise<void>;
  /** null: no job by that id (not added yet, or removed long ago) */
  state(scanId: string): Promise<ScanJobState | null>;
  /** Resolves with the return value when the scan's job completes; rejects when it fails. */
  finished(scanId: string): Promise<unknown>;
  /** Account x region jobs ended / in all (null when the scan is not known). */
  progress(scanId: string): Promise<{ done: number; total: number } | null>;
}

/** The apply queue: jobs that change production, idempotent per job id. */
export interface ChangeJobs {
  /** one apply job per request (`apply-<id>`) */
  enqueueApply(requestId: string): Promise<void>;
  /** one job per item and a parent (`bulk-<id>`) that closes the request */
  enqueueBulk(requestId: string, items: readonly { instanceId: string; region: string }[]): Promise<void>;
  /** whether a job is queued or running, has ended, or does not exist */
  jobState(jobId: string): Promise<'live' | 'ended' | 'missing'>;
  /** the `poll`-th read of a running instance refresh, `delayMs` from now (idempotent per poll) */
  enqueueRefreshWatch(
    requestId: string,
    poll: number,
    delayMs: number,
    lastStatus: string | null,
  ): Promise<void>;
}
