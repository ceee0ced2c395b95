import {
  type AccountInput,
  DEFAULT_CHANGE_ROLE_NAME,
  DEFAULT_METADATA,
  DEFAULT_ROLE_NAME,
  type InstanceInput,
  toMillis,
  toUsageModel,
} from './inputs.js';
import { hash32, hexId, intBetween, type Rng } from './prng.js';
import { ALL_REGIONS, DEFAULT_REGIONS } from './regions.js';
import type {
  AccountRecord,
  AsgRecord,
  InstanceRecord,
  LaunchTemplateRecord,
  MetadataOptionsModel,
  RoleModel,
} from './types.js';

/** Pure constructors of model records from builder inputs (defaults filled in). */

const role = (r: Partial<RoleModel> | undefined, requireSourceIdentity: boolean): RoleModel => ({
  requireSourceIdentity: r?.requireSourceIdentity ?? requireSourceIdentity,
  allowSourceIdentity: r?.allowSourceIdentity ?? true,
  policies: r?.policies ?? null,
});

/** The scan role, the change role (its trust requires a SourceIdentity) and any other given. */
function rolesOf(input: AccountInput, roleName: string): Record<string, RoleModel> {
  const given = input.roles ?? {};
  const roles: Record<string, RoleModel> = {
    [DEFAULT_CHANGE_ROLE_NAME]: role(given[DEFAULT_CHANGE_ROLE_NAME], true),
    [roleName]: role(given[roleName], false),
  };
  for (const [name, r] of Object.entries(given)) roles[name] ??= role(r, false);
  return roles;
}

export function buildAccount(input: AccountInput, nowMs: number, rootId: string): AccountRecord {
  const roleName = input.roleName ?? DEFAULT_ROLE_NAME;
  const enabled = [...(input.regions ?? DEFAULT_REGIONS)];
  const disabled = input.disabledRegions ?? ALL_REGIONS.filter((r) => !enabled.includes(r));
  return {
    id: input.id,
    name: input.name ?? `account-${input.id}`,
    email: input.email ?? `aws+${input.id}@example.com`,
    state: input.state ?? 'ACTIVE',
    parentId: input.parentId ?? rootId,
    tags: { ...input.tags },
    roleName,
    roles: rolesOf(input, roleName),
    externalId: input.externalId ?? null,
    denyAssumeRole: input.denyAssumeRole ?? false,
    maxSessionDurationSeconds: input.maxSessionDurationSeconds ?? 3600,
    enabledRegions: enabled,
    disabledRegions: [...disabled],
    joinedAt: nowMs - 365 * 86_400_000,
  };
}

export function resolveVersion(lt: LaunchTemplateRecord, spec: string | number | undefined): number | null {
  if (spec === undefined || spec === '$Default') return lt.defaultVersion;
  if (spec === '$Latest') return lt.latestVersion;
  const n = typeof spec === 'number' ? spec : Number(spec);
  return Number.isInteger(n) && lt.versions.has(n) ? n : null;
}

export interface InstanceLinks {
  asg: AsgRecord | null;
  template: LaunchTemplateRecord | null;
  templateVersion: number | null;
}

function linkTags(input: InstanceInput, links: InstanceLinks): Record<string, string> {
  const tags: Record<string, string> = {};
  if (links.asg) tags['aws:autoscaling:groupName'] = links.asg.name;
  if (links.template && links.templateVersion !== null) {
    tags['aws:ec2launchtemplate:id'] = links.template.launchTemplateId;
    tags['aws:ec2launchtemplate:version'] = String(links.templateVersion);
  }
  return { ...tags, ...input.tags };
}

function metadataFor(input: InstanceInput, links: InstanceLinks): MetadataOptionsModel {
  const version =
    links.templateVersion === null ? undefined : links.template?.versions.get(links.templateVersion);
  const fromTemplate: Partial<MetadataOptionsModel> = {};
  for (const [key, value] of Object.entries(version?.data.metadataOptions ?? {})) {
    if (value !== undefined) Object.assign(fromTemplate, { [key]: value });
  }
  return { ...DEFAULT_METADATA, ...fromTemplate, ...input.metadata };
}

const ip = (rng: Rng, first: number): string =>
  `${first}.${intBetween(rng, 0, 255)}.${intBetween(rng, 0, 255)}.${intBetween(rng, 1, 254)}`;

export function buildInstance(
  input: InstanceInput & { accountId: string; region: string },
  links: InstanceLinks,
  rng: Rng,
  nowMs: number,
): InstanceRecord {
  const instanceId = input.instanceId ?? hexId(rng, 'i');
  const launchTime = toMillis(input.launchTime, nowMs - 30 * 86_400_000);
  const metadata = metadataFor(input, links);
  const state = input.state ?? 'running';
  const profileArn = input.iamInstanceProfileArn ?? null;
  return {
    instanceId,
    accountId: input.accountId,
    region: input.region,
    reservationId: input.reservationId ?? hexId(rng, 'r'),
    state,
    launchTime,
    stoppedAt: state === 'stopped' ? toMillis(input.stoppedAt, nowMs) : null,
    terminatedAt: state === 'terminated' ? nowMs : null,
    instanceType: input.instanceType ?? 't3.micro',
    imageId: input.imageId ?? 'ami-0abcdef1234567890',
    availabilityZone: input.availabilityZone ?? `${input.region}a`,
    privateIp: input.privateIp ?? ip(rng, 10),
    publicIp: input.publicIp ?? null,
    iamInstanceProfile: profileArn
      ? { arn: profileArn, id: `AIPA${hash32(profileArn).toString(16).toUpperCase()}EXAMPLE` }
      : null,
    tags: linkTags(input, links),
    metadata,
    metadataAppliedAt: launchTime,
    tokensRequiredSince: metadata.httpTokens === 'required' ? launchTime : null,
    tokensRequiredChanges: 0,
    usage: toUsageModel(input.usage ?? { kind: 'none' }, nowMs),
    usagePhaseSeconds: hash32(instanceId) % 3600,
    asgName: links.asg?.name ?? null,
  };
}
