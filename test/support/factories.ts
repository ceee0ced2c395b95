import type {
  AccountDefault,
  AutoScalingGroup,
  Finding,
  Instance,
  LaunchTemplate,
  MetadataOptions,
  ScanError,
  ScopeInventory,
  ScopeSnapshot,
  Usage,
} from '../../src/domain/findings/model.js';

/**
 * Small, general fixture builders for the domain shapes. Each returns a valid value with neutral
 * defaults (account 123456789012, region eu-west-1, an IMDSv1-allowing instance) and takes a partial
 * override; nested objects (metadata, risk) merge one level deep. Instance ids are unique per test
 * file unless given.
 */

export const ACCOUNT_ID = '123456789012';
export const REGION = 'eu-west-1';
/** a full 14-day window of 5-minute periods */
export const FULL_WINDOW_DATAPOINTS = 14 * 288;

let sequence = 0;
/** A fresh, well-formed instance id: i-00000000000000001, i-00000000000000002, ... */
export const nextInstanceId = (): string => `i-${(++sequence).toString(16).padStart(17, '0')}`;

export type InstanceOverrides = Partial<Omit<Instance, 'metadata'>> & { metadata?: Partial<MetadataOptions> };

export function makeInstance(partial: InstanceOverrides = {}): Instance {
  const { metadata, ...rest } = partial;
  return {
    instanceId: nextInstanceId(),
    accountId: ACCOUNT_ID,
    region: REGION,
    name: null,
    state: 'running',
    launchTime: '2024-01-01T00:00:00.000Z',
    tags: {},
    iamInstanceProfileArn: null,
    publicIp: null,
    asg: null,
    launchTemplate: null,
    containerHost: null,
    ...rest,
    metadata: {
      httpTokens: 'optional',
      httpEndpoint: 'enabled',
      hopLimit: 1,
      state: 'applied',
      instanceMetadataTags: 'disabled',
      httpProtocolIpv6: 'disabled',
      ...metadata,
    },
  };
}

export function makeUsage(partial: Partial<Usage> = {}): Usage {
  return { noTokenCalls: 0, lastSeen: null, datapoints: FULL_WINDOW_DATAPOINTS, ...partial };
}

export type FindingOverrides = Partial<Omit<Finding, 'risk'>> & { risk?: Partial<Finding['risk']> };

/** Defaults to a 'ready' laggard: tokens optional, a full window of datapoints, no calls. */
export function makeFinding(partial: FindingOverrides = {}): Finding {
  const { risk, ...rest } = partial;
  return {
    instanceId: nextInstanceId(),
    accountId: ACCOUNT_ID,
    region: REGION,
    name: null,
    state: 'running',
    launchTime: '2024-01-01T00:00:00.000Z',
    httpTokens: 'optional',
    httpEndpoint: 'enabled',
    hopLimit: 1,
    metadataState: 'applied',
    owner: null,
    ownerTag: null,
    readiness: 'ready',
    usage: makeUsage(),
    asg: null,
    launchTemplate: null,
    templateRisk: null,
    tags: {},
    ...rest,
    risk: { iamRole: false, publicIp: false, prod: false, containerHost: null, ...risk },
  };
}

/** Defaults to a template that leaves HttpTokens unset (the account default applies). */
export function makeLaunchTemplate(partial: Partial<LaunchTemplate> = {}): LaunchTemplate {
  return {
    accountId: ACCOUNT_ID,
    region: REGION,
    launchTemplateId: 'lt-0123456789abcdef0',
    name: 'web',
    defaultVersion: 1,
    latestVersion: 1,
    httpTokens: null,
    httpEndpoint: null,
    hopLimit: null,
    ...partial,
  };
}

/** Defaults to a group without a launch template. */
export function makeAutoScalingGroup(partial: Partial<AutoScalingGroup> = {}): AutoScalingGroup {
  return {
    accountId: ACCOUNT_ID,
    region: REGION,
    name: 'web-asg',
    launchTemplate: null,
    launches: null,
    ...partial,
  };
}

/** Defaults to an account default with no preference, managed by the account. */
export function makeAccountDefault(partial: Partial<AccountDefault> = {}): AccountDefault {
  return {
    accountId: ACCOUNT_ID,
    region: REGION,
    httpTokens: 'no-preference',
    httpEndpoint: 'no-preference',
    hopLimit: null,
    instanceMetadataTags: 'no-preference',
    managedBy: 'account',
    managedExceptionMessage: null,
    ...partial,
  };
}

export function makeInventory(partial: Partial<ScopeInventory> = {}): ScopeInventory {
  return {
    accountId: ACCOUNT_ID,
    region: REGION,
    instances: [],
    launchTemplates: [],
    autoScalingGroups: [],
    accountDefault: null,
    ...partial,
  };
}

export function makeSnapshot(partial: Partial<ScopeSnapshot> = {}): ScopeSnapshot {
  return {
    accountId: ACCOUNT_ID,
    region: REGION,
    scanId: 'scan-1',
    scannedAt: '2025-06-15T00:00:00.000Z',
    findings: [],
    launchTemplates: [],
    accountDefault: null,
    ...partial,
  };
}

export function makeScanError(partial: Partial<ScanError> = {}): ScanError {
  return {
    accountId: ACCOUNT_ID,
    region: REGION,
    stage: 'inventory',
    code: 'UnauthorizedOperation',
    message: 'not authorized',
    partial: false,
    ...partial,
  };
}
