import type { ChangeRequest } from '../../domain/change/request-schema.js';
import { say } from '../../domain/message.js';
import { recordAudit } from './audit.js';
import type { ChangeContext } from './context.js';
import { resumeRefreshWatches } from './refresh-follow.js';
import { auditTarget, targetOf } from './targets/index.js';

/**
 * The rest of an approval after its state change: an `approved` (and `override`) audit entry per
 * approver and, at quorum, the apply job. Every step is idempotent (audit keys, the job id
 * `apply-<id>`), so a retried approval task or the sweeper can run it again after a crash.
 */
export async function completeApproval(ctx: ChangeContext, cr: ChangeRequest): Promise<void> {
  const target = auditTarget(cr);
  for (const a of cr.approvals) {
    const actor = { userId: a.userId, name: a.name };
    const reason = a.override?.reason ?? null;
    await recordAudit(ctx, {
      type: 'approved',
      actor,
      target,
      requestId: cr.id,
      reason,
      key: `${cr.id}:approved:${a.userId}`,
    });
    if (a.override)
      await recordAudit(ctx, {
        type: 'override',
        actor,
        target,
        requestId: cr.id,
        reason: a.override.reason,
        key: `${cr.id}:override:${a.userId}`,
      });
  }
  if (cr.state === 'approved') await ctx.jobs.enqueueApply(cr.id);
}

const enteredAt = (cr: ChangeRequest): number => Date.parse(cr.history.at(-1)?.at ?? cr.requestedAt);

async function resumeApproved(ctx: ChangeContext, cr: ChangeRequest): Promise<boolean> {
  if ((await ctx.jobs.jobState(`apply-${cr.id}`)) !== 'missing') return false;
  await completeApproval(ctx, cr);
  await ctx.notifier.changed(
    cr,
    say`:arrows_counterclockwise: Approved, but its apply job was never queued (the worker stopped): queued now.`,
  );
  return true;
}

/** Applying with no live job: queue it again (its job ids make that idempotent), or close it if the job ended. */
async function resumeApplying(ctx: ChangeContext, cr: ChangeRequest): Promise<boolean> {
  const kind = targetOf(cr.target);
  const state = await ctx.jobs.jobState(kind.jobId(cr.id));
  if (state === 'live') return false;
  if (state === 'missing') {
    if (!(await kind.fanOut(ctx, cr))) await ctx.jobs.enqueueApply(cr.id);
    await ctx.notifier.changed(
      cr,
      say`:arrows_counterclockwise: Its job was lost (Redis restart?): resumed.`,
    );
    return true;
  }
  const { result, request } = await ctx.requests.apply(
    cr.id,
    {
      type: 'failed',
      error: {
        code: 'job-ended',
        message:
          'its job ended without recording an outcome; check the instance with `/imds status` and `/imds audit`, then request again',
      },
    },
    ctx.now(),
  );
  if (!result.ok) return false;
  await recordAudit(ctx, {
    type: 'failed',
    target: auditTarget(request),
    requestId: cr.id,
    reason: request.error?.message ?? null,
    key: `${cr.id}:failed`,
  });
  await ctx.notifier.changed(request, say`:x: Failed: ${request.error?.message ?? ''}`);
  return true;
}

/**
 * The sweeper's pass over requests between approval and outcome: every `approved` or `applying`
 * request untouched for `graceMs` that has no live job is resumed, or failed visibly when its job
 * ended without an outcome; and every followed instance refresh whose poll job is gone gets it
 * back. So no request (or card) waits forever on a job that does not exist.
 */
export async function resumeStuck(ctx: ChangeContext, graceMs = 60_000): Promise<number> {
  const before = ctx.now().getTime() - graceMs;
  let resumed = 0;
  for (const state of ['approved', 'applying'] as const) {
    for (const cr of await ctx.requests.inState(state, 200)) {
      if (enteredAt(cr) > before) continue;
      const done = state === 'approved' ? await resumeApproved(ctx, cr) : await resumeApplying(ctx, cr);
      if (done) resumed += 1;
    }
  }
  return resumed + (await resumeRefreshWatches(ctx));
}
