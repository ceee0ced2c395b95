import { managerOf } from './group-manager.js';
import {
  type AccountDefault,
  type AutoScalingGroup,
  type Finding,
  type HttpTokens,
  type Instance,
  LAGGARD_READINESS,
  type LaunchTemplate,
  type Readiness,
  type ScopeInventory,
  type TemplateRisk,
  type Usage,
} from './model.js';
import { type EnvironmentRule, isProd, ownerOf } from './owner.js';

/**
 * Turns one scope's inventory plus its CloudWatch usage into findings. Pure: the clock is `opts.now`.
 */

export interface ClassifyOptions {
  /** tag keys that name an owner, highest priority first */
  ownerTags: readonly string[];
  environment: EnvironmentRule;
  /** the CloudWatch usage window, in days, ending at `now` */
  windowDays: number;
  now: Date;
  /** why usage could not be read: the instances it was wanted for are 'unknown', with this reason */
  usageError?: string | null;
}

const DAY_MS = 86_400_000;

/** Usage for an instance CloudWatch had nothing on. */
const NO_USAGE: Usage = { noTokenCalls: 0, lastSeen: null, datapoints: 0 };

const LAGGARDS: ReadonlySet<Readiness> = new Set(LAGGARD_READINESS);

/** Still accepts IMDSv1 calls (readiness in LAGGARD_READINESS). */
export const isLaggard = (f: Pick<Finding, 'readiness'>): boolean => LAGGARDS.has(f.readiness);

/** IMDSv1 is allowed: only these instances get a CloudWatch query. */
export function needsUsage(instance: Instance): boolean {
  return instance.metadata.httpEndpoint === 'enabled' && instance.metadata.httpTokens === 'optional';
}

export function windowStartOf(now: Date, windowDays: number): Date {
  return new Date(now.getTime() - windowDays * DAY_MS);
}

/**
 * How close an instance is to IMDSv2-only. `in-use` wins over youth: a call is proof. An instance
 * launched after the window start (or with an unreadable launch time) is `unknown`: zero calls so far
 * proves little. Launched exactly at the window start counts as covered by the window.
 */
export function readinessOf(instance: Instance, usage: Usage | undefined, windowStart: Date): Readiness {
  if (instance.metadata.httpEndpoint === 'disabled') return 'imds-disabled';
  if (instance.metadata.httpTokens === 'required') return 'compliant';
  if (usage !== undefined && usage.noTokenCalls > 0) return 'in-use';
  if (usage === undefined || usage.datapoints === 0) return 'unknown';
  const launched = Date.parse(instance.launchTime);
  if (Number.isNaN(launched) || launched > windowStart.getTime()) return 'unknown';
  return 'ready';
}

/**
 * Whether a launch with these template HttpTokens comes up requiring tokens: the template says
 * 'required', or it leaves HttpTokens unset and the account default is 'required'.
 */
export function templateEnforces(
  httpTokens: HttpTokens | null,
  accountDefault: AccountDefault | null,
): boolean {
  if (httpTokens !== null) return httpTokens === 'required';
  return accountDefault?.httpTokens === 'required';
}

/** The template version a group names: '$Default', '$Latest' or a number; null when unreadable. */
export function resolveTemplateVersion(named: string, template: LaunchTemplate): number | null {
  if (named === '$Default') return template.defaultVersion;
  if (named === '$Latest') return template.latestVersion;
  if (!/^[1-9]\d*$/.test(named)) return null; // versions count from 1
  return Number(named);
}

type LaunchedTokens = { known: true; httpTokens: HttpTokens | null } | { known: false };

/**
 * HttpTokens of the version the group launches. `asg.launches` (resolved by the adapter) is
 * authoritative; without it we can still answer when the version named is the template's default,
 * the only version whose MetadataOptions the inventory carries.
 */
function launchedTokens(
  asg: AutoScalingGroup,
  templates: ReadonlyMap<string, LaunchTemplate>,
): LaunchedTokens {
  if (asg.launches !== null) return { known: true, httpTokens: asg.launches.httpTokens };
  if (asg.launchTemplate === null) return { known: false };
  const template = templates.get(asg.launchTemplate.id);
  if (template === undefined) return { known: false };
  const version = resolveTemplateVersion(asg.launchTemplate.version, template);
  if (version !== template.defaultVersion) return { known: false };
  return { known: true, httpTokens: template.httpTokens };
}

/**
 * Whether fixing the instance survives its ASG replacing it. An unresolvable version counts as
 * unfixed: we cannot show a replacement requires tokens.
 */
export function templateRiskOf(
  asg: AutoScalingGroup | undefined,
  templates: ReadonlyMap<string, LaunchTemplate>,
  accountDefault: AccountDefault | null,
): TemplateRisk {
  if (asg === undefined || asg.launchTemplate === null) return 'asg-no-template';
  const launched = launchedTokens(asg, templates);
  if (!launched.known) return 'asg-unfixed-template';
  return templateEnforces(launched.httpTokens, accountDefault)
    ? 'asg-fixed-template'
    : 'asg-unfixed-template';
}

interface ScopeContext {
  usage: ReadonlyMap<string, Usage>;
  opts: ClassifyOptions;
  windowStart: Date;
  groups: ReadonlyMap<string, AutoScalingGroup>;
  templates: ReadonlyMap<string, LaunchTemplate>;
  accountDefault: AccountDefault | null;
}

function classifyInstance(instance: Instance, ctx: ScopeContext): Finding {
  const { metadata: md, tags } = instance;
  const queried = needsUsage(instance);
  const unreadable = queried && ctx.opts.usageError ? ctx.opts.usageError : null;
  const usage = queried && !unreadable ? ctx.usage.get(instance.instanceId) : undefined;
  const owner = ownerOf(tags, ctx.opts.ownerTags);
  const manager =
    instance.asg === null ? undefined : (managerOf(tags) ?? ctx.groups.get(instance.asg)?.manager ?? null);
  return {
    instanceId: instance.instanceId,
    accountId: instance.accountId,
    region: instance.region,
    name: instance.name,
    state: instance.state,
    launchTime: instance.launchTime,
    httpTokens: md.httpTokens,
    httpEndpoint: md.httpEndpoint,
    hopLimit: md.hopLimit,
    metadataState: md.state,
    owner: owner?.owner ?? null,
    ownerTag: owner?.ownerTag ?? null,
    readiness: readinessOf(instance, usage, ctx.windowStart),
    usage: queried && !unreadable ? (usage ?? NO_USAGE) : null,
    ...(unreadable ? { readinessReason: `usage unreadable: ${unreadable}` } : {}),
    asg: instance.asg,
    launchTemplate: instance.launchTemplate,
    templateRisk:
      instance.asg === null
        ? null
        : templateRiskOf(ctx.groups.get(instance.asg), ctx.templates, ctx.accountDefault),
    ...(manager === undefined ? {} : { groupManager: manager }),
    risk: {
      iamRole: instance.iamInstanceProfileArn !== null,
      publicIp: instance.publicIp !== null,
      prod: isProd(tags, ctx.opts.environment),
      // a node group's or capacity provider's group is tagged; its instances only where the tag propagates
      containerHost: instance.containerHost ?? manager?.kind ?? null,
    },
    tags: { ...tags },
    ...(instance.imageId !== undefined ? { imageId: instance.imageId } : {}),
  };
}

/** One finding per instance of the scope, in inventory order. */
export function classifyScope(
  inventory: ScopeInventory,
  usage: ReadonlyMap<string, Usage>,
  opts: ClassifyOptions,
): Finding[] {
  const ctx: ScopeContext = {
    usage,
    opts,
    windowStart: windowStartOf(opts.now, opts.windowDays),
    groups: new Map(inventory.autoScalingGroups.map((g) => [g.name, g])),
    templates: new Map(inventory.launchTemplates.map((t) => [t.launchTemplateId, t])),
    accountDefault: inventory.accountDefault,
  };
  return inventory.instances.map((instance) => classifyInstance(instance, ctx));
}
