import { preferencesOf, type RefreshPlan, type RefreshState } from './instance-refresh.js';

/**
 * A worker can die after StartInstanceRefresh succeeded and before it saved the refresh's id: its
 * retry then finds the group busy (InstanceRefreshInProgress). The running refresh is the
 * request's own, and is adopted, only when it is Pending or InProgress, started after the request
 * was approved, and carries exactly the desired configuration and preferences the plan sends. Pure.
 */

/** A running refresh as DescribeInstanceRefreshes tells what it was started with. */
export interface StartedRefresh extends RefreshState {
  /** StartTime, ISO (null: not told) */
  startedAt: string | null;
  /** DesiredConfiguration.LaunchTemplate (null: started without one) */
  desired: { launchTemplateId: string | null; version: string | null } | null;
  /** Preferences as StartInstanceRefresh sent them (null: not told) */
  preferences: {
    MinHealthyPercentage: number | null;
    CheckpointPercentages: number[];
    CheckpointDelay: number | null;
    SkipMatching: boolean | null;
    AutoRollback: boolean | null;
  } | null;
}

/** StartTime has whole seconds, and AWS's clock is not ours: this much earlier still counts as after. */
const CLOCK_SLACK_MS = 5000;

const sameList = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function preferencesDiffer(plan: RefreshPlan, r: StartedRefresh): string | null {
  const want = preferencesOf(plan);
  const got = r.preferences;
  if (!got) return 'its preferences are not described';
  const same =
    got.MinHealthyPercentage === want.MinHealthyPercentage &&
    sameList(got.CheckpointPercentages, want.CheckpointPercentages) &&
    got.CheckpointDelay === want.CheckpointDelay &&
    got.SkipMatching === want.SkipMatching &&
    got.AutoRollback === want.AutoRollback;
  return same ? null : 'its preferences are not the ones this request sends';
}

function desiredDiffers(plan: RefreshPlan, r: StartedRefresh): string | null {
  if (!plan.desired)
    return r.desired === null ? null : 'it has a desired configuration and this request sends none';
  const d = r.desired;
  if (d?.launchTemplateId === plan.launchTemplateId && d.version === String(plan.toVersion)) return null;
  return `its desired configuration is not ${plan.launchTemplateId} version ${plan.toVersion}`;
}

/** Null when `r` is the running refresh this request started; otherwise why it is not. */
export function whyNotOurs(plan: RefreshPlan, r: StartedRefresh, approvedAt: Date): string | null {
  if (r.status !== 'Pending' && r.status !== 'InProgress') return `it is ${r.status}`;
  return whyNotStartedByUs(plan, r, approvedAt);
}

/**
 * Before starting one: a refresh of the group, in any state, that this request started before its
 * worker died. A small group is replaced in minutes, so by the retry it may have ended already:
 * starting another would replace the group twice (or be refused, the group now launching the new version).
 */
export function startedEarlier(
  plan: RefreshPlan,
  refreshes: readonly StartedRefresh[],
  approvedAt: Date,
): StartedRefresh | null {
  return refreshes.find((r) => whyNotStartedByUs(plan, r, approvedAt) === null) ?? null;
}

function whyNotStartedByUs(plan: RefreshPlan, r: StartedRefresh, approvedAt: Date): string | null {
  const at = r.startedAt === null ? Number.NaN : Date.parse(r.startedAt);
  if (Number.isNaN(at)) return 'its start time is not described';
  if (at < approvedAt.getTime() - CLOCK_SLACK_MS)
    return `it started at ${r.startedAt}, before this request was approved (${approvedAt.toISOString()})`;
  return desiredDiffers(plan, r) ?? preferencesDiffer(plan, r);
}
