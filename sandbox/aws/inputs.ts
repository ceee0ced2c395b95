import type {
  AccountDefaultModel,
  AccountState,
  InstanceStateName,
  LaunchTemplateData,
  MetadataOptionsModel,
  RoleModel,
  UsageModel,
  UsagePattern,
} from './types.js';

/** What the builder takes; everything but the ids of related things is optional. */
export interface AccountInput {
  id: string;
  name?: string;
  email?: string;
  state?: AccountState;
  /** the OU it sits in (Fleet.organization.addOrganizationalUnit); default the root */
  parentId?: string;
  /** its tags in Organizations */
  tags?: Record<string, string>;
  /** the role the bot assumes; default ImdsBotScanner */
  roleName?: string;
  /**
   * Roles besides it, or its own model: by default the account also has the change role
   * ImdsBotChange, whose trust policy requires a SourceIdentity (as deploy/cloudformation does).
   */
  roles?: Record<string, Partial<RoleModel>>;
  /** when set, AssumeRole must pass this ExternalId */
  externalId?: string;
  /** AssumeRole into this account is always denied */
  denyAssumeRole?: boolean;
  maxSessionDurationSeconds?: number;
  /** enabled regions; default: the 17 default regions */
  regions?: readonly string[];
  /** listed by DescribeRegions AllRegions=true; default: every other known region */
  disabledRegions?: readonly string[];
}

export interface InstanceInput {
  accountId?: string;
  region?: string;
  instanceId?: string;
  reservationId?: string;
  state?: InstanceStateName;
  launchTime?: Date | string;
  stoppedAt?: Date | string;
  instanceType?: string;
  imageId?: string;
  availabilityZone?: string;
  privateIp?: string;
  publicIp?: string | null;
  iamInstanceProfileArn?: string | null;
  tags?: Record<string, string>;
  metadata?: Partial<MetadataOptionsModel>;
  usage?: UsagePattern;
  /** name of an Auto Scaling group of the same scope (added before) */
  asg?: string;
  /** a launch template of the same scope; version defaults to the group's or the default version */
  launchTemplate?: { id: string; version?: number };
}

export interface LaunchTemplateInput {
  accountId?: string;
  region?: string;
  launchTemplateId?: string;
  name?: string;
  /** version 1, 2, ... in order; default: one version without metadata options */
  versions?: LaunchTemplateData[];
  defaultVersion?: number;
  createTime?: Date | string;
  tags?: Record<string, string>;
}

export interface AsgInput {
  accountId?: string;
  region?: string;
  name: string;
  /** version: a number, '$Default' or '$Latest' (default '$Default') */
  launchTemplate?: { id: string; version?: string };
  mixedInstancesPolicy?: boolean;
  launchConfigurationName?: string;
  minSize?: number;
  maxSize?: number;
  createdTime?: Date | string;
  /** the group's own tags (EKS node groups carry eks:nodegroup-name, ECS capacity providers AmazonECSManaged) */
  tags?: Record<string, string>;
}

export type AccountDefaultInput = Partial<Omit<AccountDefaultModel, 'managedBy'>> & {
  managedBy?: AccountDefaultModel['managedBy'];
};

export const DEFAULT_ROLE_NAME = 'ImdsBotScanner';
/** the role changes are made with (deploy/cloudformation/member-role.yaml) */
export const DEFAULT_CHANGE_ROLE_NAME = 'ImdsBotChange';

export const DEFAULT_METADATA: MetadataOptionsModel = {
  httpTokens: 'optional',
  httpPutResponseHopLimit: 1,
  httpEndpoint: 'enabled',
  httpProtocolIpv6: 'disabled',
  instanceMetadataTags: 'disabled',
};

export const toMillis = (value: Date | string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const ms = typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (Number.isNaN(ms)) throw new Error(`invalid time: ${String(value)}`);
  return ms;
};

const DAY_MS = 86_400_000;

export function toUsageModel(pattern: UsagePattern, nowMs: number): UsageModel {
  switch (pattern.kind) {
    case 'none':
    case 'no-data':
      return { kind: pattern.kind };
    case 'steady':
      return { kind: 'calls', callsPerHour: pattern.callsPerHour, until: null };
    case 'stopped-using':
      return {
        kind: 'calls',
        callsPerHour: pattern.callsPerHour,
        until: nowMs - pattern.lastCallDaysAgo * DAY_MS,
      };
  }
}
