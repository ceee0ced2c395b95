import {
  canRollBack,
  hasEnded,
  RefreshPlan,
  type RefreshState,
} from '../../../domain/change/instance-refresh.js';
import { startedEarlier, whyNotOurs } from '../../../domain/change/refresh-adopt.js';
import { CodedError } from '../../../domain/errors.js';
import { code, say } from '../../../domain/message.js';
import type { Json } from '../../../domain/ports/change-memo.js';
import type { AutoScalingChanges } from '../../../domain/ports/remediation.js';
import { type ChangeContext, changeBy } from '../context.js';
import { followRefresh } from '../refresh-follow.js';
import {
  type Applied,
  asJson,
  noFanOut,
  nothingMore,
  nothingToRestore,
  notOneInstance,
  type RequestOn,
  type TargetKind,
  wholeOnly,
} from './target.js';

type AsgTarget = { type: 'asg'; accountId: string; region: string; asgName: string };

/** Where an apply job keeps the id of the refresh it started, so a retry does not start a second. */
export const startedKey = (requestId: string) => `${requestId}:refresh`;

function planOf(before: unknown, requestId: string): RefreshPlan {
  const parsed = RefreshPlan.safeParse(before);
  if (parsed.success) return parsed.data;
  throw new CodedError('stored-data-invalid', `${requestId}: its refresh plan is not readable`);
}

/** The group as approved: same template, same version named, else the plan is stale. */
async function checkStillAsPlanned(asg: AutoScalingChanges, plan: RefreshPlan): Promise<void> {
  const g = await asg.group(plan.asgName);
  if (!g) throw new CodedError('asg-not-found', `Auto Scaling group ${plan.asgName} no longer exists.`);
  const lt = g.launchTemplate;
  if (lt?.id === plan.launchTemplateId && lt.version === plan.fromVersion) return;
  throw new CodedError(
    'refresh-plan-stale',
    `${plan.asgName} changed since the request (it now launches ${lt ? `${lt.id} version ${lt.version}` : 'without a launch template'}): request the refresh again.`,
  );
}

const approvedAt = (cr: RequestOn<AsgTarget>): Date =>
  new Date(cr.history.findLast((h) => h.to === 'approved')?.at ?? cr.requestedAt);

/**
 * The refresh running on the group is this request's own when a worker died after starting it and
 * before saving its id (see refresh-adopt.ts): adopted, not refused; anyone else's is refused, saying why.
 */
async function adoptOrRefuse(
  asg: AutoScalingChanges,
  plan: RefreshPlan,
  cr: RequestOn<AsgTarget>,
  err: CodedError,
) {
  const running = await asg.active(plan.asgName);
  const why = running ? whyNotOurs(plan, running, approvedAt(cr)) : 'it ended before it could be read';
  if (running && why === null) return { instanceRefreshId: running.id, awsRequestId: null, adopted: true };
  throw new CodedError(
    'refresh-in-progress',
    `Another instance refresh${running ? ` (${running.id})` : ''} of ${plan.asgName} is running and is not the one this request started (${why}): let it end (or cancel it), then request again.`,
    { cause: err },
  );
}

async function start(asg: AutoScalingChanges, plan: RefreshPlan, cr: RequestOn<AsgTarget>) {
  try {
    return { ...(await asg.startRefresh(plan)), adopted: false };
  } catch (err) {
    if (err instanceof CodedError && err.code.startsWith('InstanceRefreshInProgress'))
      return adoptOrRefuse(asg, plan, cr, err);
    throw err;
  }
}

/** StartInstanceRefresh as planned, verified by reading the refresh back. */
async function applyRefresh(
  ctx: Parameters<TargetKind<AsgTarget>['apply']>[0],
  cr: RequestOn<AsgTarget>,
): Promise<Applied> {
  const plan = planOf(cr.before, cr.id);
  const asg = await ctx.autoScalingFor(cr.target, changeBy(cr));
  const saved = await ctx.memo.before(startedKey(cr.id));
  let id = typeof saved?.instanceRefreshId === 'string' ? saved.instanceRefreshId : null;
  let awsRequestId: string | null = null;
  let adopted = false;
  if (id === null) {
    const earlier = startedEarlier(plan, await asg.refreshes(plan.asgName), approvedAt(cr));
    const started = earlier
      ? { instanceRefreshId: earlier.id, awsRequestId: null, adopted: true }
      : await checkStillAsPlanned(asg, plan).then(() => start(asg, plan, cr));
    id = started.instanceRefreshId;
    awsRequestId = started.awsRequestId;
    adopted = started.adopted;
    await ctx.memo.keepBefore(startedKey(cr.id), { instanceRefreshId: id });
  }
  const state = await asg.refresh(plan.asgName, id);
  if (!state)
    throw new CodedError('verify-mismatch', `Instance refresh ${id} of ${plan.asgName} is not described.`, {
      transient: true,
    });
  return {
    before: asJson(plan),
    after: { instanceRefreshId: id, status: state.status, percentageComplete: state.percentageComplete },
    awsRequestId,
    note: adopted
      ? `instance refresh ${id} of ${plan.asgName} started (found after a restart (${state.status}): this request started it, its AWS request id is unknown); the card follows it`
      : `instance refresh ${id} of ${plan.asgName} started (${state.status}); the card follows it`,
  };
}

const notRunning = (id: string, state: RefreshState | null): string =>
  `Instance refresh ${id} is ${state?.status ?? 'no longer described'}: Auto Scaling rolls back only a refresh that runs. To undo it, roll back the template fix, then refresh the group again.`;

/** The refresh the request started, as Auto Scaling describes it now; undefined: the request started none. */
async function refreshNow(ctx: ChangeContext, cr: RequestOn<AsgTarget>) {
  const id = cr.after?.instanceRefreshId;
  if (typeof id !== 'string') return undefined;
  const asg = await ctx.autoScalingFor(cr.target, changeBy(cr));
  return { id, state: await asg.refresh(cr.target.asgName, id) };
}

/** The rollback path: RollbackInstanceRefresh while Auto Scaling can, CancelInstanceRefresh otherwise. */
async function stopRefresh(
  ctx: Parameters<TargetKind<AsgTarget>['restore']>[0],
  cr: RequestOn<AsgTarget>,
  original: NonNullable<Parameters<TargetKind<AsgTarget>['restore']>[2]['original']>,
): Promise<Applied> {
  const id = original.after?.instanceRefreshId;
  if (typeof id !== 'string') throw nothingToRestore(cr.id);
  const plan = planOf(original.before, original.id);
  const asg = await ctx.autoScalingFor(cr.target, changeBy(cr));
  const state = await asg.refresh(plan.asgName, id);
  if (!state || hasEnded(state.status)) throw new CodedError('refresh-not-running', notRunning(id, state));
  const rollback = plan.desired && canRollBack(state.status);
  const done = rollback ? await asg.rollbackRefresh(plan.asgName) : await asg.cancelRefresh(plan.asgName);
  return {
    before: { instanceRefreshId: id, status: state.status },
    after: { instanceRefreshId: done.instanceRefreshId, action: rollback ? 'rollback' : 'cancel' },
    awsRequestId: done.awsRequestId,
    note: rollback
      ? `RollbackInstanceRefresh: the instances it replaced go back to version ${plan.fromVersion}`
      : `CancelInstanceRefresh: no more instances are replaced (those already replaced keep version ${plan.toVersion})`,
  };
}

/** An instance refresh of an Auto Scaling group: started as planned at request time, followed on its card. */
export const asgRefresh: TargetKind<AsgTarget> = {
  auditTarget: (t) => ({ accountId: t.accountId, region: t.region, resource: `asg:${t.asgName}` }),
  refs: (t) => [{ accountId: t.accountId, region: t.region, resource: `asg:${t.asgName}` }],
  openRefs: (t) => [`${t.accountId}:${t.region}:asg:${t.asgName}`],
  describe: (t) => say`Auto Scaling group ${code(t.asgName)} in ${say`${t.accountId}/${t.region}`}`,
  cardInstanceKeys: () => [],
  facts: notOneInstance,
  gated: () => ({ region: null, instanceIds: [] }),
  jobId: (id) => `apply-${id}`,
  fanOut: noFanOut,
  apply: applyRefresh,
  async restore(ctx, cr, { original }) {
    if (!original) throw nothingToRestore(cr.id);
    return stopRefresh(ctx, cr, original);
  },
  noteApplied: nothingMore,
  /** the card follows the refresh from now on (the watch job reads DescribeInstanceRefreshes) */
  async afterVerified(ctx, cr) {
    if (cr.kind !== 'instance-refresh') return;
    const status = typeof cr.after?.status === 'string' ? cr.after.status : null;
    await followRefresh(ctx, cr.id, 1, ctx.workflow.refresh.pollSeconds * 1000, status);
  },
  capturedBefore: async (_ctx, original) => (original.before as Json | null) ?? null,
  partRolledBack: wholeOnly,
  /** an ended refresh: asked for, its rollback would only fail when applied */
  async rollbackRefused(ctx, original) {
    const now = await refreshNow(ctx, original);
    return now && (!now.state || hasEnded(now.state.status)) ? say`${notRunning(now.id, now.state)}` : null;
  },
  appliedLine(cr) {
    const id = String(cr.after?.instanceRefreshId ?? 'unknown');
    if (cr.kind === 'instance-refresh')
      return say`Started instance refresh ${code(id)} (${String(cr.after?.status ?? 'status unknown')} when read back)`;
    const action = cr.after?.action === 'rollback' ? 'RollbackInstanceRefresh' : 'CancelInstanceRefresh';
    return say`${action} on instance refresh ${code(id)} (it was ${String(cr.before?.status ?? 'unknown')})`;
  },
};
