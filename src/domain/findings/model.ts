import { z } from 'zod';
import { ACCOUNT_ID } from '../account-id.js';
import { GroupManager } from './group-manager.js';

/**
 * The shapes every layer agrees on. Adapters (aws/, store/, jobs/) produce and consume these;
 * the domain functions (classify, diff, summary) are pure over them.
 */

export const Scope = z.object({ accountId: z.string().regex(ACCOUNT_ID), region: z.string().min(1) });
export type Scope = z.infer<typeof Scope>;

export const scopeKey = (s: Scope): string => `${s.accountId}:${s.region}`;

/** `account:region:instance`: how stores and cards name one instance. */
export const instanceKey = (f: { accountId: string; region: string; instanceId: string }): string =>
  `${f.accountId}:${f.region}:${f.instanceId}`;

export const InstanceState = z.enum(['pending', 'running', 'stopping', 'stopped']);
export type InstanceState = z.infer<typeof InstanceState>;

export const HttpTokens = z.enum(['optional', 'required']);
export type HttpTokens = z.infer<typeof HttpTokens>;

export const HttpEndpoint = z.enum(['enabled', 'disabled']);
export type HttpEndpoint = z.infer<typeof HttpEndpoint>;

/** An instance's MetadataOptions, as DescribeInstances reports them. */
export const MetadataOptions = z.object({
  httpTokens: HttpTokens,
  httpEndpoint: HttpEndpoint,
  hopLimit: z.number().int().min(1).max(64),
  state: z.enum(['pending', 'applied']),
  instanceMetadataTags: z.enum(['enabled', 'disabled']),
  httpProtocolIpv6: z.enum(['enabled', 'disabled']),
});
export type MetadataOptions = z.infer<typeof MetadataOptions>;

export const LaunchTemplateRef = z.object({ id: z.string(), version: z.string() });
export type LaunchTemplateRef = z.infer<typeof LaunchTemplateRef>;

/** What the inventory adapter reads for one instance. */
export const Instance = z.object({
  instanceId: z.string(),
  accountId: z.string(),
  region: z.string(),
  name: z.string().nullable(),
  state: InstanceState,
  launchTime: z.string(),
  tags: z.record(z.string(), z.string()),
  metadata: MetadataOptions,
  iamInstanceProfileArn: z.string().nullable(),
  publicIp: z.string().nullable(),
  /** from the aws:autoscaling:groupName tag */
  asg: z.string().nullable(),
  /** from the aws:ec2launchtemplate:id / :version tags */
  launchTemplate: LaunchTemplateRef.nullable(),
  /** EKS or ECS host, recognised from its tags */
  containerHost: z.enum(['eks', 'ecs']).nullable(),
  /** the AMI it was launched from (DescribeInstances ImageId); absent in data stored before it was read */
  imageId: z.string().optional(),
});
export type Instance = z.infer<typeof Instance>;

/** MetadataNoToken over the usage window, from CloudWatch. */
export const Usage = z.object({
  /** sum of IMDSv1 calls over the window */
  noTokenCalls: z.number().nonnegative(),
  /** start of the newest period with a non-zero sum, ISO 8601; null when none */
  lastSeen: z.string().nullable(),
  /** how many periods had a datapoint at all; 0 means CloudWatch knows nothing */
  datapoints: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

export const Readiness = z.enum(['compliant', 'imds-disabled', 'ready', 'in-use', 'unknown']);
export type Readiness = z.infer<typeof Readiness>;

/** A laggard is an instance that still accepts IMDSv1 calls. */
export const LAGGARD_READINESS: readonly Readiness[] = ['ready', 'in-use', 'unknown'];

/** Default-version MetadataOptions of a launch template. */
export const LaunchTemplate = z.object({
  accountId: z.string(),
  region: z.string(),
  launchTemplateId: z.string(),
  name: z.string(),
  defaultVersion: z.number().int(),
  latestVersion: z.number().int(),
  /** null: the template does not set it, so the account default (or optional) applies */
  httpTokens: HttpTokens.nullable(),
  httpEndpoint: HttpEndpoint.nullable(),
  hopLimit: z.number().int().nullable(),
  /** the default version's AMI (LaunchTemplateData ImageId); null when it names none, absent in older data */
  imageId: z.string().nullable().optional(),
  /** the $Latest version, when it is not the default: its HttpTokens and AMI */
  latest: z.object({ httpTokens: HttpTokens.nullable(), imageId: z.string().nullable() }).optional(),
});
export type LaunchTemplate = z.infer<typeof LaunchTemplate>;

export const AutoScalingGroup = z.object({
  accountId: z.string(),
  region: z.string(),
  name: z.string(),
  /** version as the group names it: a number, '$Default' or '$Latest' */
  launchTemplate: LaunchTemplateRef.nullable(),
  /** the template version the group launches, resolved, with its HttpTokens (null: not set);
   * null when the group has no launch template or the version could not be read */
  launches: z.object({ version: z.number().int(), httpTokens: HttpTokens.nullable() }).nullable(),
  /** an EKS managed node group or an ECS capacity provider, from the group's tags (absent in older data) */
  manager: GroupManager.optional(),
});
export type AutoScalingGroup = z.infer<typeof AutoScalingGroup>;

/** GetInstanceMetadataDefaults for one account × region. */
export const AccountDefault = z.object({
  accountId: z.string(),
  region: z.string(),
  httpTokens: z.enum(['optional', 'required', 'no-preference']),
  httpEndpoint: z.enum(['enabled', 'disabled', 'no-preference']),
  hopLimit: z.number().int().nullable(),
  instanceMetadataTags: z.enum(['enabled', 'disabled', 'no-preference']),
  /** 'declarative-policy': the organization owns the setting and the account cannot change it */
  managedBy: z.enum(['account', 'declarative-policy']),
  managedExceptionMessage: z.string().nullable(),
});
export type AccountDefault = z.infer<typeof AccountDefault>;

/** An AMI as DescribeImages answers it: `imdsSupport` 'v2.0' makes instances launched from it require tokens. */
export const AmiImage = z.object({
  imageId: z.string(),
  name: z.string().nullable(),
  imdsSupport: z.literal('v2.0').nullable(),
});
export type AmiImage = z.infer<typeof AmiImage>;

/** Everything read from one account × region, before classification. */
export const ScopeInventory = z.object({
  accountId: z.string(),
  region: z.string(),
  instances: z.array(Instance),
  launchTemplates: z.array(LaunchTemplate),
  autoScalingGroups: z.array(AutoScalingGroup),
  accountDefault: AccountDefault.nullable(),
});
export type ScopeInventory = z.infer<typeof ScopeInventory>;

/** Why a template-launched instance's fix will or will not survive a replacement. */
export const TemplateRisk = z.enum([
  /** in an ASG whose launch template (as the group resolves it) does not require tokens */
  'asg-unfixed-template',
  /** in an ASG whose template requires tokens: replacement fixes it */
  'asg-fixed-template',
  /** in an ASG launched without a launch template (launch configuration or unknown) */
  'asg-no-template',
]);
export type TemplateRisk = z.infer<typeof TemplateRisk>;

/** One classified instance: the unit of every report, digest and KPI. */
export const Finding = z.object({
  instanceId: z.string(),
  accountId: z.string(),
  region: z.string(),
  name: z.string().nullable(),
  state: InstanceState,
  launchTime: z.string(),
  httpTokens: HttpTokens,
  httpEndpoint: HttpEndpoint,
  hopLimit: z.number().int(),
  metadataState: z.enum(['pending', 'applied']),
  owner: z.string().nullable(),
  /** which tag named the owner */
  ownerTag: z.string().nullable(),
  readiness: Readiness,
  /** null when usage was not queried (compliant or IMDS disabled) */
  usage: Usage.nullable(),
  asg: z.string().nullable(),
  launchTemplate: LaunchTemplateRef.nullable(),
  templateRisk: TemplateRisk.nullable(),
  /** why readiness is 'unknown' when the reason is not the usual one (e.g. usage unreadable) */
  readinessReason: z.string().optional(),
  risk: z.object({
    iamRole: z.boolean(),
    publicIp: z.boolean(),
    prod: z.boolean(),
    containerHost: z.enum(['eks', 'ecs']).nullable(),
  }),
  tags: z.record(z.string(), z.string()),
  /** its group is an EKS managed node group or an ECS capacity provider (group or instance tags); absent in older data */
  groupManager: GroupManager.optional(),
  /** the AMI it was launched from; absent in data stored before it was read */
  imageId: z.string().optional(),
  /** that AMI as DescribeImages answered (ImdsSupport); absent when it was not read or not returned */
  ami: AmiImage.optional(),
});
export type Finding = z.infer<typeof Finding>;

export const ScanErrorStage = z.enum([
  'credentials',
  'regions',
  'inventory',
  'usage',
  'launch-templates',
  'auto-scaling',
  'account-default',
  /** DescribeImages: the ImdsSupport of the AMIs in use */
  'images',
  /** Organizations policies (SCPs, declarative policies), read once per scan from the hub */
  'organization-policies',
  'internal',
]);

/** The parts of a scope besides its inventory: each can fail without losing the instances. */
export const SCOPE_PARTS = [
  'launch-templates',
  'auto-scaling',
  'account-default',
  'usage',
  'images',
] as const;

/**
 * A scope that could not be scanned, or a part of one that could not be read. The rest of the
 * scan completes. `partial`: the scope's instances were read and stored, `stage` names what is
 * missing (a part, or 'inventory' for instances whose shape was unreadable); otherwise the scope
 * (or the whole account, region null) is missing from the scan.
 */
export const ScanError = z.object({
  accountId: z.string(),
  /** null when the whole account failed (e.g. AssumeRole denied) */
  region: z.string().nullable(),
  stage: ScanErrorStage,
  /** AWS's error code, or NonAwsResponse when the answer was not an AWS document */
  code: z.string(),
  /** for people: names the operation, the account, the region, the HTTP status and the code */
  message: z.string(),
  partial: z.boolean().default(false),
  /** the AWS operation that failed, when one did */
  operation: z.string().optional(),
  httpStatus: z.number().int().optional(),
});
export type ScanError = z.infer<typeof ScanError>;

/** The classified result of one account × region. */
export const ScopeSnapshot = z.object({
  accountId: z.string(),
  region: z.string(),
  scanId: z.string(),
  scannedAt: z.string(),
  findings: z.array(Finding),
  launchTemplates: z.array(LaunchTemplate),
  accountDefault: AccountDefault.nullable(),
  /** the groups (Auto Scaling, EKS node groups behind them) and the template version each launches */
  autoScalingGroups: z.array(AutoScalingGroup).optional(),
  /** ImdsSupport of the AMIs the laggards and the launch templates use (DescribeImages) */
  images: z.array(AmiImage).optional(),
  /** the parts this scan could not read here (partial errors); absent when none */
  partialErrors: z.array(ScanError).optional(),
  /**
   * instances whose IMDSv1 calls were rejected after the bot enforced them (MetadataNoTokenRejected),
   * by this scan or an earlier one while they exist: enforcement broke something there
   */
  rejectedCalls: z.array(z.string()).optional(),
});
export type ScopeSnapshot = z.infer<typeof ScopeSnapshot>;
