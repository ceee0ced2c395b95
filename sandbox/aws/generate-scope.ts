import type { Fleet } from './fleet.js';
import { environmentTag, INSTANCE_TYPES, ownerTags, ROLES } from './generate-owners.js';
import type { InstanceInput } from './inputs.js';
import { chance, hexId, intBetween, pick, type Rng, weighted } from './prng.js';
import type { ResolvedFleetSpec } from './schema.js';
import type { HttpTokensValue, MetadataOptionsModel, UsagePattern } from './types.js';

const DAY = 86_400_000;

/** What the generation of one account × region needs. */
export interface ScopeGen {
  fleet: Fleet;
  spec: ResolvedFleetSpec;
  rng: Rng;
  nowMs: number;
  accountId: string;
  region: string;
  emails: readonly string[];
  teams: readonly string[];
}

interface Role {
  team: string;
  role: string;
}

/** A v1 instance's IMDSv1 usage, from the spec's mix. */
function usageFor(g: ScopeGen): UsagePattern {
  const { rng } = g;
  switch (weighted(rng, g.spec.usage)) {
    case 'inUse':
      return { kind: 'steady', callsPerHour: pick(rng, [1, 2, 6, 12, 60, 240]) };
    case 'stoppedUsing':
      return {
        kind: 'stopped-using',
        lastCallDaysAgo: intBetween(rng, 3, 120),
        callsPerHour: pick(rng, [2, 12, 60]),
      };
    case 'none':
      return { kind: 'none' };
    case 'noData':
      return { kind: 'no-data' };
  }
}

function tagsFor(g: ScopeGen, who: Role, n: number): Record<string, string> {
  const { rng, spec } = g;
  const tags: Record<string, string> = {
    Name: `${who.team}-${who.role}-${n}`,
    Environment: environmentTag(rng, spec.prodShare),
  };
  if (chance(rng, spec.owners.unownedShare)) return tags;
  return { ...tags, ...ownerTags(rng, pick(rng, g.emails), who.team) };
}

function timesFor(g: ScopeGen): Pick<InstanceInput, 'launchTime' | 'state' | 'stoppedAt'> {
  const { rng, nowMs, spec } = g;
  const recent = chance(rng, spec.recentLaunchShare);
  const launchMs = recent
    ? nowMs - intBetween(rng, 1, 14 * 24 - 1) * 3_600_000
    : nowMs - intBetween(rng, 15, 900) * DAY;
  if (!chance(rng, spec.stoppedShare)) return { launchTime: new Date(launchMs), state: 'running' };
  const stoppedMs = launchMs + rng() * (nowMs - launchMs);
  return { launchTime: new Date(launchMs), state: 'stopped', stoppedAt: new Date(stoppedMs) };
}

/** One instance's attributes; `tokens` forces HttpTokens (template-launched instances). */
export function drawInstance(g: ScopeGen, who: Role, n: number, tokens?: HttpTokensValue): InstanceInput {
  const { rng, spec } = g;
  const httpTokens = tokens ?? (chance(rng, spec.v1Share) ? 'optional' : 'required');
  const disabled = chance(rng, spec.endpointDisabledShare);
  const metadata: Partial<MetadataOptionsModel> = {
    httpTokens,
    httpEndpoint: disabled ? 'disabled' : 'enabled',
  };
  const profile = chance(rng, spec.iamProfileShare)
    ? `arn:aws:iam::${g.accountId}:instance-profile/${who.team}-${who.role}`
    : null;
  return {
    accountId: g.accountId,
    region: g.region,
    ...timesFor(g),
    instanceType: pick(rng, INSTANCE_TYPES),
    imageId: hexId(rng, 'ami'),
    availabilityZone: `${g.region}${pick(rng, ['a', 'b', 'c'])}`,
    publicIp: chance(rng, spec.publicIpShare)
      ? `${pick(rng, [3, 13, 18, 34, 52, 54])}.${intBetween(rng, 0, 255)}.${intBetween(rng, 0, 255)}.${intBetween(rng, 1, 254)}`
      : null,
    iamInstanceProfileArn: profile,
    tags: tagsFor(g, who, n),
    metadata,
    usage: httpTokens === 'optional' && !disabled ? usageFor(g) : { kind: 'none' },
  };
}

function containerTags(g: ScopeGen, who: Role): Record<string, string> {
  return chance(g.rng, 0.6)
    ? { 'eks:cluster-name': `${who.team}-cluster`, 'eks:nodegroup-name': `${who.role}-nodes` }
    : { AmazonECSManaged: '' };
}

/** An Auto Scaling group with its launch template (or a launch configuration) and `size` instances. */
function generateGroup(g: ScopeGen, who: Role, size: number, serial: number): void {
  const { rng, fleet } = g;
  const enforcing = chance(rng, g.spec.enforcingTemplateShare);
  const template = fleet.addLaunchTemplate({
    accountId: g.accountId,
    region: g.region,
    name: `${who.team}-${who.role}-${serial}`,
    versions: enforcing
      ? [{}, { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } }]
      : [{}],
    defaultVersion: enforcing ? 2 : 1,
  });
  const source = weighted(rng, { template: 70, mixed: 20, config: 10 });
  const name = `${who.team}-${who.role}-asg-${serial}`;
  fleet.addAutoScalingGroup({
    accountId: g.accountId,
    region: g.region,
    name,
    ...(source === 'config'
      ? { launchConfigurationName: `${name}-lc` }
      : {
          launchTemplate: {
            id: template.launchTemplateId,
            version: pick(rng, ['$Default', '$Default', '$Latest', String(template.defaultVersion)]),
          },
        }),
    mixedInstancesPolicy: source === 'mixed',
    maxSize: size * 2,
  });
  const container = chance(rng, g.spec.containerHostShare) ? containerTags(g, who) : null;
  for (let i = 0; i < size; i++) {
    const fromNewVersion = enforcing && source !== 'config' && chance(rng, 0.5);
    const input = drawInstance(g, who, i, fromNewVersion ? 'required' : undefined);
    if (container) {
      input.tags = { ...input.tags, ...container };
      input.metadata = { ...input.metadata, httpPutResponseHopLimit: chance(rng, 0.8) ? 2 : 1 };
    }
    if (source !== 'config')
      input.launchTemplate = { id: template.launchTemplateId, version: fromNewVersion ? 2 : 1 };
    fleet.addInstance({ ...input, asg: name });
  }
}

/** Fills one account × region with `count` instances, some of them in Auto Scaling groups. */
export function generateScope(g: ScopeGen, count: number): void {
  const { rng, spec } = g;
  const meanGroup = 7;
  const groupChance = spec.asgShare / (spec.asgShare + meanGroup * (1 - spec.asgShare));
  let made = 0;
  let serial = 0;
  while (made < count) {
    const who: Role = { team: pick(rng, g.teams), role: pick(rng, ROLES) };
    serial++;
    if (count - made >= 2 && chance(rng, groupChance)) {
      const size = Math.min(count - made, intBetween(rng, 2, 12));
      generateGroup(g, who, size, serial);
      made += size;
      continue;
    }
    const input = drawInstance(g, who, serial);
    if (chance(rng, spec.containerHostShare)) {
      input.tags = { ...input.tags, ...containerTags(g, who) };
      input.metadata = { ...input.metadata, httpPutResponseHopLimit: 2 };
    }
    g.fleet.addInstance(input);
    made++;
  }
}
