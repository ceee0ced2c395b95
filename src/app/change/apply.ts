import type { ChangeRequest } from '../../domain/change/request-schema.js';
import { CodedError, errorMessage } from '../../domain/errors.js';
import { code, nothing, say } from '../../domain/message.js';
import { recordAudit } from './audit.js';
import type { ChangeContext } from './context.js';
import { markRolledBack, restore } from './rollback.js';
import { auditTarget, targetOf } from './targets/index.js';
import type { Applied } from './targets/target.js';

/** The change itself, by the target's kind: a rollback restores, anything else applies. */
function change(ctx: ChangeContext, cr: ChangeRequest): Promise<Applied> {
  if (cr.kind === 'rollback') return restore(ctx, cr);
  return targetOf(cr.target).apply(ctx, cr);
}

export interface ApplyJob {
  id: string;
  attemptsMade: number;
  attempts: number;
}

/**
 * Carries out an approved change: approved -> applying (CAS; a retried job resumes its own
 * 'applying') -> the AWS change -> audit (idempotent) -> applied. Transient errors are thrown
 * for another attempt; permanent ones, or the last attempt, end in 'failed'. A kind applied one job
 * per item (a bulk) queues its items instead.
 */
export async function applyChange(ctx: ChangeContext, requestId: string, job: ApplyJob): Promise<string> {
  let cr = await ctx.requests.get(requestId);
  if (!cr) return 'unknown request';
  if (cr.state === 'approved') {
    const started = await ctx.requests.apply(requestId, { type: 'start-apply', jobId: job.id }, ctx.now());
    if (!started.result.ok) return `not started: ${started.result.code}`;
    cr = started.request;
    await recordAudit(ctx, {
      type: 'applying',
      target: auditTarget(cr),
      requestId,
      jobId: job.id,
      key: `${requestId}:applying`,
    });
    await ctx.notifier.changed(cr, null);
    if (await targetOf(cr.target).fanOut(ctx, cr)) return 'bulk started';
  } else if (cr.state !== 'applying' || cr.jobId !== job.id) {
    return `nothing to do: ${cr.state}`;
  } else if (await targetOf(cr.target).fanOut(ctx, cr)) {
    return 'bulk resumed'; // a retry after a crash: the flow's job ids make this idempotent
  }
  try {
    const done = await change(ctx, cr);
    return await finish(ctx, cr, done, job.id);
  } catch (err) {
    const coded =
      err instanceof CodedError ? err : new CodedError('unexpected', errorMessage(err), { transient: true });
    if (coded.transient && job.attemptsMade + 1 < job.attempts) throw coded;
    await fail(ctx, cr, coded, job.id);
    return `failed: ${coded.code}`;
  }
}

async function finish(ctx: ChangeContext, cr: ChangeRequest, done: Applied, jobId: string): Promise<string> {
  const target = auditTarget(cr);
  const kind = targetOf(cr.target);
  await kind.noteApplied(ctx, cr, done); // the finding tells the truth before the request says applied
  await recordAudit(ctx, {
    type: 'applied',
    target,
    requestId: cr.id,
    before: done.before,
    after: done.after,
    reason: done.note,
    awsRequestId: done.awsRequestId,
    session: done.session ?? null,
    jobId,
    key: `${cr.id}:applied`,
  });
  const { result, request } = await ctx.requests.apply(
    cr.id,
    {
      type: 'applied',
      after: done.after,
      awsRequestId: done.awsRequestId,
      ...(done.before ? { before: done.before } : {}),
    },
    ctx.now(),
  );
  if (!result.ok) return `applied, but the request moved on: ${result.code}`;
  await recordAudit(ctx, {
    type: 'verified',
    target,
    requestId: cr.id,
    after: done.after,
    jobId,
    key: `${cr.id}:verified`,
  });
  if (cr.kind === 'rollback' && cr.rollbackOf) await markRolledBack(ctx, cr);
  await kind.afterVerified(ctx, cr);
  await ctx.notifier.changed(
    request,
    done.threadNote ??
      say`:white_check_mark: Done and verified: ${done.note}${done.awsRequestId ? say` (AWS request ${code(done.awsRequestId)})` : nothing}.`,
  );
  return 'applied';
}

async function fail(ctx: ChangeContext, cr: ChangeRequest, err: CodedError, jobId: string): Promise<void> {
  const { result, request } = await ctx.requests.apply(
    cr.id,
    { type: 'failed', error: { code: err.code, message: err.message } },
    ctx.now(),
  );
  if (!result.ok) return;
  await recordAudit(ctx, {
    type: 'failed',
    target: auditTarget(request),
    requestId: cr.id,
    before: await ctx.memo.before(cr.id),
    reason: err.message,
    jobId,
    key: `${cr.id}:failed`,
  });
  await ctx.notifier.changed(request, say`:x: Failed: ${err.message}`);
}
