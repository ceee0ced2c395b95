import type { AuditSession } from '../change/audit-chain.js';
import type { RefreshGroup, RefreshPlan, RefreshState } from '../change/instance-refresh.js';
import type { StartedRefresh } from '../change/refresh-adopt.js';
import type { AccountDefault, MetadataOptions } from '../findings/model.js';

/** Ports of the changes to production: instance options, launch templates, account defaults, refreshes. */

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
