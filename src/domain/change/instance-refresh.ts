import { z } from 'zod';
import { type GroupManager, managerOf } from '../findings/group-manager.js';
import type { HttpTokens } from '../findings/model.js';
import { code, type Message, say } from '../message.js';

/**
 * An Auto Scaling instance refresh after a launch-template fix: what is started (the plan), whether
 * Auto Scaling can roll it back, and how its progress reads. Pure.
 *
 * Auto Scaling's rules (API_RefreshPreferences, AutoRollback; API_RollbackInstanceRefresh): a rollback
 * needs a desired configuration in StartInstanceRefresh, and is not supported when the group uses the
 * launch template's `$Latest` or `$Default` version. So a group pinned to a numbered version is
 * refreshed with DesiredConfiguration (the version that requires IMDSv2) and AutoRollback; a group on
 * `$Default`/`$Latest` already launches the fixed default, is refreshed without one, and only a
 * cancel can stop it.
 */

/** The refresh settings of the workflow file's `refresh` block. */
export const RefreshSettings = z.strictObject({
  /** Auto Scaling's own default is 90: at most a tenth of the group is out of service at once */
  minHealthyPercentage: z.number().int().min(0).max(100).default(90),
  /** where the refresh pauses (the last must be 100 for the whole group to be replaced) */
  checkpointPercentages: z
    .array(z.number().int().min(1).max(100))
    .min(1)
    .max(10)
    .default([20, 50, 100])
    .refine((a) => a.every((p, i) => i === 0 || p > (a[i - 1] ?? 0)), 'increasing percentages')
    .refine((a) => a.at(-1) === 100, 'the last checkpoint must be 100'),
  /** seconds each checkpoint waits before going on (Auto Scaling allows up to 172800) */
  checkpointDelaySeconds: z.number().int().min(0).max(172_800).default(600),
  /** how often the card reads DescribeInstanceRefreshes */
  pollSeconds: z.number().int().min(1).max(3600).default(30),
  /** the card stops following a refresh after this long (a checkpoint can wait 48 h) */
  watchHours: z
    .number()
    .min(0.01)
    .max(24 * 7)
    .default(72),
});
export type RefreshSettings = z.infer<typeof RefreshSettings>;
export const REFRESH_DEFAULTS: RefreshSettings = RefreshSettings.parse({});

/** One Auto Scaling group as a refresh needs it (the adapter reads it with its template versions). */
export interface RefreshGroup {
  name: string;
  /** version as the group names it: a number, `$Default` or `$Latest` */
  launchTemplate: { id: string; name: string; version: string } | null;
  mixedInstancesPolicy: boolean;
  launchConfigurationName: string | null;
  tags: Record<string, string>;
  instanceCount: number;
  /** the version the group launches now, resolved, and its HttpTokens (null: the template leaves it unset) */
  launches: { version: number; httpTokens: HttpTokens | null } | null;
  /** the template's default version and its HttpTokens */
  defaultVersion: { version: number; httpTokens: HttpTokens | null } | null;
}

/**
 * The fix for an EKS managed node group (Amazon EKS User Guide, "Update a managed node group": a new
 * launch template version is deployed by updating the node group, which drains and replaces nodes).
 */
export const nodegroupUpdate = (
  m: { cluster: string | null; nodegroup: string },
  launchTemplateId: string,
  version: number | null,
): string =>
  `aws eks update-nodegroup-version --cluster-name ${m.cluster ?? '<cluster>'} --nodegroup-name ${m.nodegroup} --launch-template id=${launchTemplateId},version=${version ?? '<fixed version>'}`;

/** What a refresh request starts, fixed when requested and stored with it (flat: the request's `before`). */
export const RefreshPlan = z.strictObject({
  asgName: z.string().min(1),
  launchTemplateId: z.string().min(1),
  /** the version the group names before the refresh */
  fromVersion: z.string().min(1),
  /** the version the new instances come from */
  toVersion: z.number().int().positive(),
  /** sent as DesiredConfiguration (the group moves to it when the refresh succeeds) */
  desired: z.boolean(),
  autoRollback: z.boolean(),
  minHealthyPercentage: z.number().int(),
  /** comma separated, e.g. `20,50,100` */
  checkpoints: z.string(),
  checkpointDelaySeconds: z.number().int(),
  skipMatching: z.boolean(),
  instances: z.number().int().nonnegative(),
});
export type RefreshPlan = z.infer<typeof RefreshPlan>;

export type PlanRefusal = {
  ok: false;
  code:
    | 'eks-node-group'
    | 'no-launch-template'
    | 'template-allows-imdsv1'
    | 'version-unreadable'
    | 'empty-group';
  reason: Message;
};
export type PlanOutcome = { ok: true; plan: RefreshPlan; notes: Message[] } | PlanRefusal;

const isNumbered = (version: string): boolean => /^\d+$/.test(version);

export interface PlanInput {
  accountId: string;
  region: string;
  settings: RefreshSettings;
  /** the account default requires tokens: a template that leaves HttpTokens unset launches IMDSv2-only */
  defaultRequires: boolean;
}

const requiresTokens = (t: HttpTokens | null, defaultRequires: boolean): boolean =>
  t === 'required' || (t === null && defaultRequires);

function refuse(code: PlanRefusal['code'], reason: Message): PlanRefusal {
  return { ok: false, code, reason };
}

/** The version new instances should come from, and whether it is sent as a desired configuration. */
function target(
  g: RefreshGroup & { launchTemplate: NonNullable<RefreshGroup['launchTemplate']> },
  launches: NonNullable<RefreshGroup['launches']>,
  defaultRequires: boolean,
): { toVersion: number; desired: boolean } | null {
  const pinned = isNumbered(g.launchTemplate.version) && !g.mixedInstancesPolicy;
  if (requiresTokens(launches.httpTokens, defaultRequires))
    return { toVersion: launches.version, desired: pinned };
  const d = g.defaultVersion;
  if (pinned && d && d.version !== launches.version && requiresTokens(d.httpTokens, defaultRequires))
    return { toVersion: d.version, desired: true };
  return null;
}

/** Whether (and how) to refresh a group so that its instances require IMDSv2; or why not. */
export function planRefresh(g: RefreshGroup, input: PlanInput): PlanOutcome {
  const manager = managerOf(g.tags);
  const lt = g.launchTemplate;
  const fixTemplate = lt
    ? say` Fix it first: ${code(`/imds fix-template ${input.accountId} ${input.region} ${lt.id}`)}`
    : say``;
  if (manager?.kind === 'eks') {
    const version = g.defaultVersion && requiresTokens(g.defaultVersion.httpTokens, input.defaultRequires);
    const cmd = nodegroupUpdate(
      manager,
      lt?.id ?? '<template>',
      version ? (g.defaultVersion?.version ?? null) : null,
    );
    return refuse(
      'eks-node-group',
      say`${g.name} belongs to EKS managed node group ${manager.nodegroup}: EKS owns the group and a refresh behind its back does not drain pods. Update the node group to the fixed template version instead: ${cmd}`,
    );
  }
  if (!lt)
    return refuse(
      'no-launch-template',
      say`${g.name} launches from ${g.launchConfigurationName ? say`launch configuration ${g.launchConfigurationName}` : say`no launch template`}: a refresh would bring IMDSv1 back. Move the group to a launch template that requires IMDSv2 first.`,
    );
  if (!g.launches)
    return refuse(
      'version-unreadable',
      say`The version ${g.name} launches (${lt.version}) could not be read.`,
    );
  if (g.instanceCount === 0)
    return refuse('empty-group', say`${g.name} has no instances: nothing to refresh.`);
  const to = target({ ...g, launchTemplate: lt }, g.launches, input.defaultRequires);
  if (!to)
    return refuse(
      'template-allows-imdsv1',
      say`${g.name} launches version ${String(g.launches.version)} of ${code(lt.id)}, which still allows IMDSv1: a refresh would bring it back.${fixTemplate}`,
    );
  const s = input.settings;
  const plan: RefreshPlan = {
    asgName: g.name,
    launchTemplateId: lt.id,
    fromVersion: lt.version,
    toVersion: to.toVersion,
    desired: to.desired,
    autoRollback: to.desired,
    minHealthyPercentage: s.minHealthyPercentage,
    checkpoints: s.checkpointPercentages.join(','),
    checkpointDelaySeconds: s.checkpointDelaySeconds,
    skipMatching: to.desired,
    instances: g.instanceCount,
  };
  return { ok: true, plan, notes: planNotes(g, plan, manager) };
}

function planNotes(g: RefreshGroup, p: RefreshPlan, manager: GroupManager): Message[] {
  const notes = [
    say`Replaces the ${String(p.instances)} instance(s) of ${g.name} with ones from version ${String(p.toVersion)} (requires IMDSv2), keeping at least ${String(p.minHealthyPercentage)}% in service, pausing ${String(p.checkpointDelaySeconds)} s at ${p.checkpoints.replaceAll(',', '%, ')}%.`,
  ];
  if (p.desired && String(p.toVersion) !== p.fromVersion)
    notes.push(
      say`The group moves from version ${p.fromVersion} to ${String(p.toVersion)} when the refresh succeeds.`,
    );
  notes.push(
    p.autoRollback
      ? say`Auto rollback is on: if the refresh fails, Auto Scaling puts the replaced instances back on version ${p.fromVersion}. A rollback request rolls it back while it runs.`
      : say`Auto rollback is not available: the group launches ${code(p.fromVersion)}${g.mixedInstancesPolicy ? say` through a mixed instances policy` : say``}, and Auto Scaling rolls back only groups on a numbered version. A rollback request cancels it while it runs.`,
  );
  if (manager?.kind === 'ecs')
    notes.push(
      say`ECS capacity provider: instances protected from scale-in (managed termination protection) make the refresh wait up to an hour for the protection to go, then fail.`,
    );
  return notes;
}

/** StartInstanceRefresh's Preferences for a plan. */
export function preferencesOf(p: RefreshPlan) {
  return {
    MinHealthyPercentage: p.minHealthyPercentage,
    CheckpointPercentages: p.checkpoints.split(',').map(Number),
    CheckpointDelay: p.checkpointDelaySeconds,
    SkipMatching: p.skipMatching,
    AutoRollback: p.autoRollback,
  };
}

/** InstanceRefreshStatus of the Auto Scaling API. */
export const RefreshStatus = z.enum([
  'Pending',
  'InProgress',
  'Successful',
  'Failed',
  'Cancelling',
  'Cancelled',
  'RollbackInProgress',
  'RollbackFailed',
  'RollbackSuccessful',
  'Baking',
]);
export type RefreshStatus = z.infer<typeof RefreshStatus>;

/** One refresh as DescribeInstanceRefreshes tells it. */
export interface RefreshState {
  id: string;
  status: RefreshStatus;
  statusReason: string | null;
  percentageComplete: number | null;
  instancesToUpdate: number | null;
}

const ENDED: ReadonlySet<RefreshStatus> = new Set([
  'Successful',
  'Failed',
  'Cancelled',
  'RollbackFailed',
  'RollbackSuccessful',
]);
export const hasEnded = (s: RefreshStatus): boolean => ENDED.has(s);

/** Whether RollbackInstanceRefresh can act on it now (else a cancel is all there is). */
export const canRollBack = (s: RefreshStatus): boolean =>
  s === 'Pending' || s === 'InProgress' || s === 'Baking';

const ICON: Record<RefreshStatus, string> = {
  Pending: ':hourglass:',
  InProgress: ':arrows_counterclockwise:',
  Baking: ':hourglass_flowing_sand:',
  Successful: ':white_check_mark:',
  Failed: ':x:',
  Cancelling: ':double_vertical_bar:',
  Cancelled: ':double_vertical_bar:',
  RollbackInProgress: ':leftwards_arrow_with_hook:',
  RollbackFailed: ':x:',
  RollbackSuccessful: ':leftwards_arrow_with_hook:',
};

/** The card's line for a refresh: its status, how far it got and why it waits (AWS's reason is data). */
export function progressLine(s: RefreshState): Message {
  const pct = s.percentageComplete === null ? say`` : say` ${String(s.percentageComplete)}%`;
  const left =
    s.instancesToUpdate === null || hasEnded(s.status)
      ? say``
      : say`, ${String(s.instancesToUpdate)} to replace`;
  const why = s.statusReason ? say` · ${s.statusReason}` : say``;
  return say`${ICON[s.status]} Instance refresh ${code(s.id)}: ${s.status}${pct}${left}${why}`;
}

/**
 * An instance in an Auto Scaling group whose template still allows IMDSv1: whatever is done to it,
 * its replacement launches with IMDSv1 again. Enforced in place, it is marked "fix undone on
 * replace" until its template is fixed; the fix is named (EKS node groups: the node-group update;
 * other groups, ECS capacity providers too: the template fix, then an instance refresh).
 */
export function replaceWarning(f: {
  instanceId: string;
  accountId: string;
  region: string;
  asg: string | null;
  httpTokens: HttpTokens;
  templateRisk: 'asg-unfixed-template' | 'asg-fixed-template' | 'asg-no-template' | null;
  launchTemplate: { id: string; version: string } | null;
  tags: Readonly<Record<string, string>>;
  /** the group's manager as the scan read it from the group's tags (absent in older data) */
  groupManager?: GroupManager | undefined;
}): Message | null {
  if (!f.asg || f.templateRisk === null || f.templateRisk === 'asg-fixed-template') return null;
  const head = f.httpTokens === 'required' ? say`:warning: *fix undone on replace*: ` : say`:warning: `;
  if (f.templateRisk === 'asg-no-template')
    return say`${head}Auto Scaling group ${f.asg} launches without a launch template: replacements come back with IMDSv1. Move the group to a launch template that requires IMDSv2.`;
  const lt = f.launchTemplate?.id ?? '<lt-id>';
  const fixTemplate = code(`/imds fix-template ${f.accountId} ${f.region} ${lt}`);
  const manager = f.groupManager ?? managerOf(f.tags);
  if (manager?.kind === 'eks')
    return say`${head}EKS node group ${manager.nodegroup} (group ${f.asg}) launches from a template that allows IMDSv1: new nodes come back with it. Fix the template (${fixTemplate}), then update the node group (UpdateNodegroupVersion to the fixed launch template version; a refresh behind EKS's back does not drain pods): ${nodegroupUpdate(manager, lt, null)}`;
  const what =
    manager?.kind === 'ecs' ? say`ECS capacity provider group ${f.asg}` : say`Auto Scaling group ${f.asg}`;
  return say`${head}${what} launches from a template that allows IMDSv1: replacements come back with it. Fix the template (${fixTemplate}), then roll the group: ${code(`/imds refresh ${f.asg} ${f.accountId} ${f.region}`)}`;
}
