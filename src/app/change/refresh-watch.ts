import { hasEnded, progressLine, type RefreshState } from '../../domain/change/instance-refresh.js';
import type { ChangeRequest } from '../../domain/change/request-schema.js';
import { say } from '../../domain/message.js';
import { recordAudit } from './audit.js';
import { type ChangeContext, changeBy } from './context.js';
import { followRefresh } from './refresh-follow.js';
import { auditTarget } from './targets/index.js';

/**
 * Following an instance refresh on its request's card: one job per read of DescribeInstanceRefreshes
 * (`pollSeconds` apart, each queuing the next), the card updated in place every time, its thread told
 * when the status changes. Bounded: it stops when the refresh ends, or after `watchHours`, saying so.
 * The end is audited (`finished`); a refresh that succeeded marks its group's instances fixed on replace.
 */

const refreshIdOf = (cr: ChangeRequest): string | null =>
  typeof cr.after?.instanceRefreshId === 'string' ? cr.after.instanceRefreshId : null;

/** The most reads of one refresh: watchHours of polls. */
export const maxPolls = (ctx: ChangeContext): number => {
  const s = ctx.workflow.refresh;
  return Math.max(1, Math.ceil((s.watchHours * 3600) / s.pollSeconds));
};

async function ended(ctx: ChangeContext, cr: ChangeRequest, s: RefreshState): Promise<void> {
  await recordAudit(ctx, {
    type: 'finished',
    target: auditTarget(cr),
    requestId: cr.id,
    after: { instanceRefreshId: s.id, status: s.status, percentageComplete: s.percentageComplete },
    reason: s.statusReason,
    key: `${cr.id}:finished`,
  });
  if (s.status !== 'Successful' || cr.target.type !== 'asg') return;
  const name = cr.target.asgName;
  await ctx.findings.patchSnapshot(cr.target, (snap) => ({
    ...snap,
    findings: snap.findings.map((f) =>
      f.asg === name && f.templateRisk === 'asg-unfixed-template'
        ? { ...f, templateRisk: 'asg-fixed-template' as const }
        : f,
    ),
  }));
}

/** One read of a request's refresh; queues the next (recorded for the sweeper) unless it ended or the watch is over. */
export async function watchRefresh(
  ctx: ChangeContext,
  requestId: string,
  poll: number,
  lastStatus: string | null,
): Promise<string> {
  const outcome = await pollOnce(ctx, requestId, poll, lastStatus);
  if (outcome.next === null) await ctx.memo.endWatch(requestId);
  else await followRefresh(ctx, requestId, poll + 1, ctx.workflow.refresh.pollSeconds * 1000, outcome.next);
  return outcome.said;
}

/** The read itself: what to say, and the status to carry to the next poll (null: the watch ends). */
async function pollOnce(
  ctx: ChangeContext,
  requestId: string,
  poll: number,
  lastStatus: string | null,
): Promise<{ said: string; next: string | null }> {
  const cr = await ctx.requests.get(requestId);
  const id = cr ? refreshIdOf(cr) : null;
  if (cr?.target.type !== 'asg' || !id) return { said: 'no refresh to follow', next: null };
  const t = cr.target;
  const state = await (await ctx.autoScalingFor(t, changeBy(cr))).refresh(t.asgName, id);
  const total = maxPolls(ctx);
  if (!state) {
    await ctx.notifier.changed(
      cr,
      say`Instance refresh ${id} is no longer described by Auto Scaling: stopped following it.`,
    );
    return { said: 'gone', next: null };
  }
  const line = progressLine(state);
  await ctx.notifier.changed(cr, state.status === lastStatus ? null : line, {
    done: poll,
    total,
    failed: 0,
    line,
    final: hasEnded(state.status),
  });
  if (hasEnded(state.status)) {
    await ended(ctx, cr, state);
    return { said: `ended: ${state.status}`, next: null };
  }
  if (poll >= total) {
    await ctx.notifier.changed(
      cr,
      say`Stopped following instance refresh ${id} after ${String(ctx.workflow.refresh.watchHours)} h (still ${state.status}); the Auto Scaling console has the rest.`,
    );
    return { said: 'watch over', next: null };
  }
  return { said: state.status, next: state.status };
}
