import type {
  AutoScalingGroup,
  Finding,
  Instance,
  LaunchTemplate,
  Scope,
  ScopeSnapshot,
  Usage,
} from '../findings/model.js';
import type { LaggardChanges } from './findings.js';
import type { UsageWindow } from './usage.js';

/** Ports of the drift feed: events between scans, read, applied and alerted. */

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
