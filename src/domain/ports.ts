import type { Decision, PolicyCode } from './change/approval-roles.js';
import type { Anchor } from './change/audit-anchors.js';
import type { AuditBody, AuditEntry, AuditSession } from './change/audit-chain.js';
import type { RefreshGroup, RefreshPlan, RefreshState } from './change/instance-refresh.js';
import type { StartedRefresh } from './change/refresh-adopt.js';
import type { TransitionCode } from './change/request.js';
import type { ChangeEvent, ChangeRequest, ChangeState, ChangeTarget } from './change/request-schema.js';
import type { DigestCard } from './findings/digest.js';
import type { InstanceChange as InstanceChangeRecord } from './findings/finding-change.js';
import type {
  AccountDefault,
  AmiImage,
  AutoScalingGroup,
  Finding,
  Instance,
  LaunchTemplate,
  MetadataOptions,
  ScanError,
  Scope,
  ScopeSnapshot,
  Usage,
} from './findings/model.js';
import type { OwnerRef, OwnerRoute } from './findings/owner-route.js';
import type { AccountRef, ScanFilter, ScanJobData, ScanRecord, ScopeJobData } from './findings/scan.js';
import type { ScopeProgress } from './findings/scope-progress.js';
import type { OrganizationFacts, OrganizationPolicies } from './guardrails/organization-facts.js';
import type { Message } from './message.js';

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
  /** ImdsSupport of these AMIs (DescribeImages); an AMI it does not return is absent */
  images(imageIds: string[]): Promise<AmiImage[]>;
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

// ---- change ----

/** One resource a change touches; a bulk touches each of its instances (region `*` when it spans regions). */
export interface TargetRef {
  accountId: string;
  region: string;
  resource: string;
}

export type ApplyResult = {
  /** the pure transition's result, or the guard's refusal, computed against `request` */
  result:
    | { ok: true; next: ChangeRequest }
    | { ok: false; code: TransitionCode | PolicyCode; message: string };
  /** the stored request: `next` on success, the fresh state that was refused otherwise */
  request: ChangeRequest;
};

export interface ApplyOptions {
  /** compare-and-set attempts before giving up with a transient `change-conflict` (default 10) */
  maxAttempts?: number;
  /** a policy check (e.g. canApprove) re-run against the fresh state on every attempt */
  guard?: (fresh: ChangeRequest) => Decision;
}

export type CreateResult =
  | { ok: true }
  | { ok: false; code: 'id-taken' }
  | { ok: false; code: 'target-open'; openId: string };

/** The states in which a request holds its targets: a second request for any of them is refused. */
export const OPEN_STATES: readonly ChangeState[] = ['requested', 'approved', 'applying'];

/** Change requests, moved between states by compare-and-set (see the contract tests). */
export interface ChangeRequestStore {
  /** stores a new request and claims its targets in one step, or refuses with nothing changed */
  create(cr: ChangeRequest): Promise<CreateResult>;
  /** for each part of a target (each instance of a bulk), the open request holding it, or null */
  holders(target: ChangeTarget): Promise<(string | null)[]>;
  get(id: string): Promise<ChangeRequest | null>;
  getMany(ids: string[]): Promise<ChangeRequest[]>;
  /** `transition` on the stored request, written only if nobody wrote in between (retried) */
  apply(id: string, event: ChangeEvent, now: Date, opts?: ApplyOptions): Promise<ApplyResult>;
  /** pending requests whose expiresAt is at or before `now`, soonest first */
  dueForExpiry(now: Date, limit?: number): Promise<ChangeRequest[]>;
  /** requests in a state, oldest first (pending ones: soonest to expire first) */
  inState(state: ChangeState, limit?: number): Promise<ChangeRequest[]>;
  /** how many requests are in each state (the metrics endpoint) */
  countsByState(): Promise<Record<ChangeState, number>>;
  pendingApprovals(limit?: number, opts?: { now?: Date; forUser?: string }): Promise<ChangeRequest[]>;
  /** requests on a resource (including bulks that contain it), newest first */
  forTarget(accountId: string, region: string, resourceId: string, limit?: number): Promise<ChangeRequest[]>;
  byRequester(userId: string, limit?: number): Promise<ChangeRequest[]>;
  /** one resource of a bulk rolled back on its own: the bulk no longer counts as its enforcement */
  unapplied(id: string, target: TargetRef): Promise<void>;
  /** the latest applied, not rolled-back enforcement on a resource */
  lastApplied(target: TargetRef): Promise<ChangeRequest | null>;
}

export interface AppendResult {
  entry: AuditEntry;
  /** the store's id of the entry */
  id: string;
  /** false when the idempotency key had already been used: `entry` is the one written then */
  created: boolean;
}

/** The hash-chained audit trail, as change control writes it. */
export interface AuditLog {
  /** appends one entry; with an idempotency key, a second append with it adds nothing */
  append(body: AuditBody, opts?: { idempotencyKey?: string }): Promise<AppendResult>;
  head(): Promise<AuditEntry | null>;
}

/** One resource's audit entries, newest first (the twins count reads enforcements and rollbacks). */
export interface AuditHistory {
  recent(opts: { instanceId: string; limit: number }): Promise<AuditEntry[]>;
}

/** Where the audit chain's head is written outside Redis (the anchor file). */
export interface AnchorLog {
  append(anchor: Anchor): Promise<void>;
}

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

/** Every option ModifyInstanceMetadataOptions takes: what we send, and what we verify. */
export type InstanceOptions = Omit<MetadataOptions, 'state'>;
export type RequiredOptions = InstanceOptions & { httpTokens: 'required' };
export type InstanceLifecycle =
  | 'pending'
  | 'running'
  | 'shutting-down'
  | 'terminated'
  | 'stopping'
  | 'stopped';

export interface InstanceMetadataState {
  instanceId: string;
  instanceState: InstanceLifecycle;
  options: MetadataOptions;
}

export type InstanceChange =
  | { changed: false; before: MetadataOptions }
  | { changed: true; before: MetadataOptions; after: MetadataOptions; awsRequestId: string | null };

/** Called with the options an instance runs with before we change them: persist them for a rollback. */
export type OnBefore = (before: MetadataOptions) => Promise<void> | void;

/** `newVersion` is the default version after the call; unchanged when nothing had to be done. */
export interface TemplateChange {
  changed: boolean;
  previousDefaultVersion: number;
  newVersion: number;
  awsRequestIds: string[];
}

/** What to set on an account default: tokens required; a field left out keeps its current value. */
export interface AccountDefaultTarget {
  httpTokens: 'required';
  httpEndpoint?: 'enabled' | 'disabled';
  hopLimit?: number;
  instanceMetadataTags?: 'enabled' | 'disabled';
}

export interface AccountDefaultChange {
  changed: boolean;
  before: AccountDefault;
  after: AccountDefault;
  awsRequestId: string | null;
}

/**
 * The changes to production, for one account x region (credentials, client and rate limit are the
 * adapter's): each reads first, changes with every option explicit, reads back and verifies.
 */
export interface Remediation {
  /** the STS session its changes are made with; null: the hub's own credentials */
  readonly session: AuditSession | null;
  readInstanceOptions(instanceId: string): Promise<InstanceMetadataState>;
  enforceInstance(
    instanceId: string,
    options: RequiredOptions,
    onBefore?: OnBefore,
    known?: InstanceMetadataState,
  ): Promise<InstanceChange>;
  restoreInstance(instanceId: string, before: InstanceOptions): Promise<InstanceChange>;
  fixLaunchTemplate(launchTemplateId: string): Promise<TemplateChange>;
  restoreLaunchTemplate(launchTemplateId: string, previousDefaultVersion: number): Promise<TemplateChange>;
  setAccountDefault(target: AccountDefaultTarget): Promise<AccountDefaultChange>;
  restoreAccountDefault(previous: AccountDefault): Promise<AccountDefaultChange>;
}

/**
 * Auto Scaling instance refreshes in one account x region. Errors come out as CodedErrors like the
 * remediation's (AWS's own codes: InstanceRefreshInProgress, ActiveInstanceRefreshNotFound,
 * IrreversibleInstanceRefresh).
 */
export interface AutoScalingChanges {
  /** the group with the template versions it launches (null: no such group) */
  group(asgName: string): Promise<RefreshGroup | null>;
  /** the groups that launch from a template (directly or through a mixed instances policy) */
  groupsUsing(launchTemplateId: string): Promise<RefreshGroup[]>;
  startRefresh(plan: RefreshPlan): Promise<{ instanceRefreshId: string; awsRequestId: string | null }>;
  /** one refresh of the group by id; null when Auto Scaling no longer describes it */
  refresh(asgName: string, instanceRefreshId: string): Promise<RefreshState | null>;
  /** the group's refresh that is Pending, InProgress, Baking, Cancelling or rolling back, if any,
   * with what it was started with */
  active(asgName: string): Promise<StartedRefresh | null>;
  /** the group's refreshes Auto Scaling still describes, newest first, with what they were started with */
  refreshes(asgName: string): Promise<StartedRefresh[]>;
  cancelRefresh(asgName: string): Promise<{ instanceRefreshId: string; awsRequestId: string | null }>;
  rollbackRefresh(asgName: string): Promise<{ instanceRefreshId: string; awsRequestId: string | null }>;
}

/** IMDSv1 use (MetadataNoToken) of some instances of one account x region, read now. */
export interface UsageNow {
  read(scope: Scope, instanceIds: string[], window: UsageWindow): Promise<Map<string, Usage>>;
}

/** Who owns an instance, as a Slack user id (null: nobody, or a channel). */
export interface Owners {
  userOf(f: Finding): Promise<string | null>;
}

/** Where a request came from: a digest card's thread hears how it goes. */
export type Where = { channelId: string | null; messageTs?: string | null };

export type Progress = {
  done: number;
  total: number;
  failed: number;
  /** shown instead of "done/total" (a refresh's status); done then only orders the card's updates */
  line?: Message;
  /** what the card follows has ended (a refresh): nothing is left to roll back */
  final?: boolean;
};

/** The people told about a request: its approval card, updated in place, and its threads. */
export interface ChangeNotifier {
  /** posts the approval card of a new request with its notes; `where` hears how it goes */
  filed(cr: ChangeRequest, notes: readonly Message[], where: Where): Promise<void>;
  /** every card showing the request updated in place; `threadNote` told in its threads */
  changed(cr: ChangeRequest, threadNote: Message | null, progress?: Progress): Promise<void>;
  /** a link to the request's card, null before it is posted */
  cardLink(requestId: string): Promise<Message | null>;
  /** an applied template fix: its card offers an instance refresh of each group launching it */
  offerRefresh(cr: ChangeRequest, asgNames: readonly string[]): Promise<void>;
}

/** Whether SSM can run a command on an instance now (DescribeInstanceInformation). */
export type SsmManaged =
  | { managed: true; agentVersion: string | null; platform: string | null }
  | { managed: false; why: 'not-registered' | 'not-online'; pingStatus: string | null };

/** One look at a Run Command invocation; 'missing' while SSM does not show it yet. */
export type CommandProgress =
  | { status: 'missing' }
  | { status: 'pending' }
  | {
      status: 'done';
      outcome: 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
      stdout: string;
      stderr: string;
    };

/**
 * SSM Run Command in one account x region, for the one read-only script the bot ships
 * (deploy/ssm/find-imdsv1-callers.sh); it can run nothing else.
 */
export interface InstanceCommands {
  managed(instanceId: string): Promise<SsmManaged>;
  /** sends the script for `seconds` of watching, bounded by SSM's TimeoutSeconds; the command id */
  sendFindCallers(instanceId: string, seconds: number, comment: string): Promise<string>;
  invocation(commandId: string, instanceId: string): Promise<CommandProgress>;
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

// ---- digest ----

/** Owner tag values (email, Slack id, @handle, team) to where their messages go, by owner value. */
export interface OwnerDirectory {
  resolveMany(refs: OwnerRef[]): Promise<Map<string, OwnerRoute>>;
}

export interface ActiveSnoozes {
  /** the snoozes in force at `now`, by instance key */
  active(instanceKeys: string[], now: Date): Promise<Map<string, { instanceId: string }>>;
}

/** ownerKey -> fingerprint of the last digest delivered to that owner (recorded on delivery). */
export interface DigestFingerprints {
  previous(): Promise<Map<string, string>>;
}

/** One person's laggards for their App Home (the digest shows the most urgent, Home the rest). */
export interface OwnerHome {
  userId: string;
  total: number;
  rows: {
    instanceId: string;
    name: string | null;
    accountId: string;
    region: string;
    readiness: string;
    calls: number;
  }[];
}

export interface DigestOutbox {
  /** Renders and queues every card for delivery, at once. */
  deliver(cards: DigestCard[]): Promise<void>;
  saveHomes(homes: OwnerHome[]): Promise<void>;
}

/** The organization's SCPs and declarative policies, read from the hub (organizations mode only). */
export interface OrganizationGuardrails {
  /** throws a CodedError when even the OU tree cannot be read; a policy type that fails is in `partial` */
  read(): Promise<OrganizationPolicies>;
  store: { put(facts: OrganizationFacts): Promise<void>; latest(): Promise<OrganizationFacts | null> };
}

// ---- drift (events between scans) ----

/** Instances of one account x region read by id, with what their findings need around them. */
export interface DriftRead {
  /** the live instances found (pending, running, stopping, stopped) */
  instances: Instance[];
  /** ids of instances shutting down or terminated: gone from the findings */
  gone: string[];
  /** the groups those instances belong to (empty when none does, or when unreadable) */
  autoScalingGroups: AutoScalingGroup[];
  /** false when the groups could not be read: the previous templateRisk is kept */
  groupsRead: boolean;
  usage: Map<string, Usage>;
  /** why usage could not be read; null when it was */
  usageError: string | null;
}

/** Reads instances by id (DescribeInstances InstanceIds) in an account of the workflow; throws CodedErrors. */
export interface DriftReader {
  read(
    scope: Scope,
    instanceIds: string[],
    templates: LaunchTemplate[],
    win: UsageWindow,
  ): Promise<DriftRead>;
}

/** What one event changes in a scope's stored findings. */
export interface DriftUpdate {
  /** names the snapshot when the scope had none yet */
  scanId: string;
  /** findings read now: replace the stored ones of the same instance, or join the snapshot */
  upsert: Finding[];
  /** instance ids gone (terminated): removed from the snapshot */
  remove: string[];
  changes: LaggardChanges;
}

export interface DriftFindings {
  getSnapshot(scope: Scope): Promise<ScopeSnapshot | null>;
  applyDrift(scope: Scope, update: DriftUpdate, now: Date): Promise<void>;
}

/** Event ids already handled (events arrive at least once). */
export interface HandledEvents {
  seen(eventId: string): Promise<boolean>;
  mark(eventId: string): Promise<void>;
}

/** Owners hear of instances that started allowing IMDSv1: one message per owner per burst. */
export interface DriftAlerts {
  /** asks for an alert soon; calls within the alert window make one */
  soon(): Promise<void>;
}
