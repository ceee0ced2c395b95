import type {
  AccountDefault,
  AutoScalingGroup,
  Instance,
  LaunchTemplate,
  ScanError,
  Scope,
  ScopeSnapshot,
  Usage,
} from './findings/model.js';
import type { AccountRef, ScanFilter, ScanJobData, ScanRecord, ScopeJobData } from './findings/scan.js';
import type { ScopeProgress } from './findings/scope-progress.js';

/**
 * The interfaces the use cases (src/app) need, in domain types only. Adapters implement them
 * (src/adapters); test/support/fakes has an in-memory one of each store, and the contract suites
 * in test/contract run the same assertions against both.
 */

// ---- shared ----

/** Structured logs: a static message and a metadata object (pino's argument order). */
export interface Logger {
  debug(meta: object, msg: string): void;
  info(meta: object, msg: string): void;
  warn(meta: object, msg: string): void;
  error(meta: object, msg: string): void;
}

export type Clock = () => Date;

// ---- scan ----

export interface InstancesRead {
  instances: Instance[];
  /** instances whose shape could not be read (partial: the others are kept) */
  errors: ScanError[];
}

/**
 * The inventory of one account x region. Every call throws a CodedError (its `transient` flag
 * says whether another attempt can help) naming what failed and where.
 */
export interface InventoryReader {
  instances(): Promise<InstancesRead>;
  launchTemplates(): Promise<LaunchTemplate[]>;
  accountDefault(): Promise<AccountDefault | null>;
  autoScalingGroups(templates: LaunchTemplate[]): Promise<AutoScalingGroup[]>;
}

export type ImdsMetric = 'MetadataNoToken' | 'MetadataNoTokenRejected';

export interface UsageWindow {
  windowDays: number;
  now: Date;
  /** include the period still in progress (for alerts, where minutes matter more than stable buckets) */
  includeCurrent?: boolean;
}

/** IMDSv1 calls per instance of one account x region; throws a CodedError like the inventory. */
export interface UsageReader {
  read(instanceIds: string[], win: UsageWindow, metric?: ImdsMetric): Promise<Map<string, Usage>>;
}

/** The readers of one account x region, for the length of one job. */
export interface ScopeReaders {
  inventory: InventoryReader;
  usage: UsageReader;
}
export type OpenScope = (account: AccountRef, region: string) => ScopeReaders;

export interface ScopePlan {
  targets: {
    account: { accountId: string; roleArn: string | null; externalId?: string | undefined };
    regions: string[];
  }[];
  /** accounts that cannot be scanned at all (AssumeRole refused, regions unreadable) */
  errors: ScanError[];
  /** worth telling, not errors: opt-in regions skipped because an account has not enabled them */
  notes: string[];
}
/** Which account x region pairs a scan (of the whole workflow, or of `filter`) covers. */
export type ScopePlanner = (filter: ScanFilter) => Promise<ScopePlan>;

export interface LaggardChanges {
  /** instance keys that became laggards (new or regressed): first-seen time is kept if already set */
  became: string[];
  /** instance keys that stopped being laggards (fixed or gone) */
  cleared: string[];
  /** instance keys that drifted back to accepting IMDSv1: their owners hear at once */
  regressed?: string[];
}

/** What the scan and the digest keep of findings (instance keys: `account:region:instance`). */
export interface FindingsStore {
  getSnapshot(scope: Scope): Promise<ScopeSnapshot | null>;
  /** The latest snapshot of every scope ever scanned (of one account, when given), by scope key. */
  latestSnapshots(accountId?: string): Promise<ScopeSnapshot[]>;
  /**
   * Stores a scope's new snapshot (with the changes the bot made after it was read laid over it)
   * and the laggard first-seen times. Returns, for each cleared instance that had a first-seen
   * time, how long it had been a laggard (seconds).
   */
  commitSnapshot(snapshot: ScopeSnapshot, changes: LaggardChanges, now: Date): Promise<number[]>;
  laggardSince(instanceKeys: string[]): Promise<(string | null)[]>;
  /** Instance ids of a scope enforced within `days` (older ones are forgotten). */
  watched(scope: Scope, now: Date, days: number): Promise<string[]>;
  /** Regressions not yet told to their owners (instance keys). */
  pendingRegressions(): Promise<Set<string>>;
  clearRegressions(keys: string[]): Promise<void>;
  appendScan(record: ScanRecord): Promise<void>;
  /** newest first */
  recentScans(limit?: number): Promise<ScanRecord[]>;
}

/** One running scan per workflow scope; `holder` is an opaque id of the scan holding it. */
export interface ScanLocks {
  /** `holder` is ours when acquired, the running scan's when not. */
  acquire(lockId: string, holder: string): Promise<{ acquired: boolean; holder: string }>;
  /** Who holds the lock now (null: nobody). */
  holder(lockId: string): Promise<string | null>;
  /** Releases only if `holder` still holds it. */
  release(lockId: string, holder: string): Promise<void>;
  /** Takes over a lock held by `stale` (a scan known to be gone). */
  steal(lockId: string, stale: string, holder: string): Promise<boolean>;
}

/** What a failed attempt of a scope's job had read, for the next attempt. */
export interface ScopeProgressStore {
  /** empty when there was none (or it no longer parses) */
  load(scanId: string, scope: Scope): Promise<ScopeProgress>;
  save(scanId: string, scope: Scope, progress: ScopeProgress): Promise<void>;
  clear(scanId: string, scope: Scope): Promise<void>;
}

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
