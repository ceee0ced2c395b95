import type { InstanceChange as InstanceChangeRecord } from '../findings/finding-change.js';
import type { Finding, Scope, ScopeSnapshot } from '../findings/model.js';
import type { ScanRecord } from '../findings/scan.js';

/** Ports of the stored findings, as the scan, the digest and change control read and write them. */

export interface LaggardChanges {
  /** instance keys that became laggards (new or regressed): first-seen time is kept if already set */
  became: string[];
  /** instance keys that stopped being laggards (fixed or gone) */
  cleared: string[];
  /** instance keys that drifted back to accepting IMDSv1: their owners hear at once */
  regressed?: string[];
  /** of `regressed`, those launched so (RunInstances), not changed back to optional */
  launched?: string[];
}

/** Why an instance is a regression its owner hears of: a new launch, or options changed back. */
export type RegressionCause = 'launched' | 'changed';

/** What the scan and the digest keep of findings (instance keys: `account:region:instance`). */
export interface FindingsStore {
  getSnapshot(scope: Scope): Promise<ScopeSnapshot | null>;
  /** The latest snapshot of every scope ever scanned (of one account, when given), by scope key. */
  latestSnapshots(accountId?: string): Promise<ScopeSnapshot[]>;
  /**
   * Stores a scope's new snapshot (the Redis adapter lays over it the changes the bot made after
   * it was read) and the laggard first-seen times. Returns, for each cleared instance that had a first-seen
   * time, how long it had been a laggard (seconds).
   */
  commitSnapshot(snapshot: ScopeSnapshot, changes: LaggardChanges, now: Date): Promise<number[]>;
  laggardSince(instanceKeys: string[]): Promise<(string | null)[]>;
  /** An instance just enforced: the next scans read its rejected IMDSv1 calls. */
  watch(
    instance: { accountId: string; region: string; instanceId: string },
    requestId: string,
    at: Date,
  ): Promise<void>;
  /** Instance ids of a scope enforced within `days`, oldest first (older ones are forgotten). */
  watched(scope: Scope, now: Date, days: number): Promise<string[]>;
  /** Regressions not yet told to their owners: instance key -> why. */
  pendingRegressions(): Promise<Map<string, RegressionCause>>;
  clearRegressions(keys: string[]): Promise<void>;
  appendScan(record: ScanRecord): Promise<void>;
  /** newest first */
  recentScans(limit?: number): Promise<ScanRecord[]>;
}

/** The findings as change control reads and corrects them. */
export interface ChangeFindings {
  locate(instanceId: string): Promise<Finding | null>;
  getSnapshot(scope: Scope): Promise<ScopeSnapshot | null>;
  /** rewrites a scope's snapshot with `patch` (nothing when there is none) */
  patchSnapshot(scope: Scope, patch: (s: ScopeSnapshot) => ScopeSnapshot): Promise<void>;
  recordInstanceChange(scope: Scope, change: InstanceChangeRecord): Promise<void>;
  instanceChange(scope: Scope, instanceId: string): Promise<InstanceChangeRecord | null>;
  /** an instance enforced now: the next scans read its MetadataNoTokenRejected */
  watch(instance: Scope & { instanceId: string }, requestId: string, at: Date): Promise<void>;
}
