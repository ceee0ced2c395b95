import type { PolicyDocument } from './iam-policy.js';
/** The in-memory model behind the AWS emulator. Times are epoch milliseconds. */

export type Toggle = 'enabled' | 'disabled';
export type HttpTokensValue = 'optional' | 'required';
export type InstanceStateName =
  | 'pending'
  | 'running'
  | 'shutting-down'
  | 'terminated'
  | 'stopping'
  | 'stopped';

export interface MetadataOptionsModel {
  httpTokens: HttpTokensValue;
  httpPutResponseHopLimit: number;
  httpEndpoint: Toggle;
  httpProtocolIpv6: Toggle;
  instanceMetadataTags: Toggle;
}

/** How an instance calls IMDSv1, as the builder takes it. */
export type UsagePattern =
  | { kind: 'none' }
  | { kind: 'steady'; callsPerHour: number }
  | { kind: 'stopped-using'; lastCallDaysAgo: number; callsPerHour: number }
  | { kind: 'no-data' };

/** The stored form: 'stopped-using' is pinned to an absolute time when it is set. */
export type UsageModel =
  | { kind: 'none' }
  | { kind: 'no-data' }
  | { kind: 'calls'; callsPerHour: number; until: number | null };

/** Organizations' account State (its Status, retired on 9 September 2026, had fewer values). */
export type AccountState = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED' | 'PENDING_ACTIVATION';

export interface AccountRecord {
  id: string;
  name: string;
  email: string;
  state: AccountState;
  /** the root or OU the account sits in */
  parentId: string | null;
  /** the account's own tags (Organizations ListTagsForResource) */
  tags: Record<string, string>;
  roleName: string;
  /** every role the hub may assume here, by name (roleName, the change role, any other) */
  roles: Record<string, RoleModel>;
  externalId: string | null;
  denyAssumeRole: boolean;
  maxSessionDurationSeconds: number;
  enabledRegions: string[];
  disabledRegions: string[];
  joinedAt: number;
}

/** A member role as IAM holds it: what its trust policy requires, and what it may do. */
export interface RoleModel {
  /** the trust policy requires sts:SourceIdentity to be set */
  requireSourceIdentity: boolean;
  /** the trust policy allows sts:SetSourceIdentity (a SourceIdentity may be passed) */
  allowSourceIdentity: boolean;
  /** its identity policies (evaluated on every call of its sessions); null: not modelled, all allowed */
  policies: PolicyDocument[] | null;
}

export interface AccountDefaultModel {
  httpTokens?: HttpTokensValue;
  httpPutResponseHopLimit?: number;
  httpEndpoint?: Toggle;
  instanceMetadataTags?: Toggle;
  managedBy: 'account' | 'declarative-policy';
  managedExceptionMessage?: string;
}

export interface InstanceRecord {
  instanceId: string;
  accountId: string;
  region: string;
  reservationId: string;
  state: InstanceStateName;
  launchTime: number;
  stoppedAt: number | null;
  terminatedAt: number | null;
  instanceType: string;
  imageId: string;
  availabilityZone: string;
  privateIp: string;
  publicIp: string | null;
  iamInstanceProfile: { arn: string; id: string } | null;
  tags: Record<string, string>;
  metadata: MetadataOptionsModel;
  /** metadata state is 'pending' until this time, then 'applied' */
  metadataAppliedAt: number;
  /** since when HttpTokens=required (v1 calls are rejected); null while optional */
  tokensRequiredSince: number | null;
  /** ModifyInstanceMetadataOptions calls that turned HttpTokens to required (for benchmarks) */
  tokensRequiredChanges: number;
  usage: UsageModel;
  /** phase of the call counter, so instances do not all call at the same second */
  usagePhaseSeconds: number;
  asgName: string | null;
}

export interface LaunchTemplateData {
  instanceType?: string;
  imageId?: string;
  metadataOptions?: Partial<MetadataOptionsModel>;
}

export interface LaunchTemplateVersionRecord {
  versionNumber: number;
  description: string | null;
  createTime: number;
  data: LaunchTemplateData;
}

export interface LaunchTemplateRecord {
  launchTemplateId: string;
  name: string;
  accountId: string;
  region: string;
  createTime: number;
  createdBy: string;
  defaultVersion: number;
  latestVersion: number;
  versions: Map<number, LaunchTemplateVersionRecord>;
  tags: Record<string, string>;
}

export interface AsgRecord {
  name: string;
  accountId: string;
  region: string;
  arn: string;
  createdTime: number;
  /** version as the group names it: a number, '$Default' or '$Latest' */
  launchTemplate: { id: string; name: string; version: string } | null;
  /** true: the template is given through MixedInstancesPolicy instead of LaunchTemplate */
  mixedInstancesPolicy: boolean;
  launchConfigurationName: string | null;
  minSize: number;
  maxSize: number;
  instanceIds: Set<string>;
  tags: Record<string, string>;
}

/** Everything in one account × region, indexed for the per-request lookups. */
export interface ScopeData {
  accountId: string;
  region: string;
  /** append-only, so a pagination token can be a position; terminated ones expire in place */
  instances: InstanceRecord[];
  templates: LaunchTemplateRecord[];
  asgs: AsgRecord[];
  asgByName: Map<string, AsgRecord>;
  accountDefault: AccountDefaultModel;
}
