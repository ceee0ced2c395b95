import type { ChangeRequest } from '../../domain/change/request-schema.js';
import { CodedError, errorMessage } from '../../domain/errors.js';
import { code, lines, type Message, nothing, say } from '../../domain/message.js';
import type { BulkOutcome } from '../../domain/ports/change-memo.js';
import { type AuditFields, recordAudit } from './audit.js';
import type { ChangeContext } from './context.js';
import { markRolledBack } from './rollback.js';
import { applyItem, asBulk } from './targets/bulk.js';
import { auditTarget } from './targets/index.js';
import { noteInstance } from './targets/instance.js';

const PROGRESS_EVERY = 25;

/** Counts one more item; every 25th (by an atomic counter, so none is skipped) updates the card. */
async function progress(
  ctx: ChangeContext,
  cr: ChangeRequest,
  total: number,
  item: { instanceId: string; outcome: BulkOutcome },
) {
  const c = await ctx.tally.count(cr.id, item.instanceId, item.outcome);
  if (c.counted && c.finished % PROGRESS_EVERY === 0 && c.finished < total)
    await ctx.notifier.changed(cr, null, { done: c.done, failed: c.failed + c.skipped, total });
}

/** An instance that turned in-use since the bulk was requested: left alone, audited, named on the card. */
async function skip(
  ctx: ChangeContext,
  cr: ChangeRequest,
  total: number,
  item: { instanceId: string; target: AuditFields['target']; reason: string; jobId: string },
): Promise<string> {
  await ctx.tally.skip(cr.id, item.instanceId, item.reason);
  await recordAudit(ctx, {
    type: 'skipped',
    target: item.target,
    requestId: cr.id,
    reason: item.reason,
    jobId: item.jobId,
    key: `${cr.id}:${item.instanceId}:skipped`,
  });
  await progress(ctx, cr, total, { instanceId: item.instanceId, outcome: 'skipped' });
  return 'skipped: turned in-use';
}

/** One instance of a bulk request, with its own audit entries; failures are counted, not fatal. */
export async function applyBulkItem(
  ctx: ChangeContext,
  requestId: string,
  instanceId: string,
  region: string,
  job: { id: string; attemptsMade: number; attempts: number },
): Promise<string> {
  const cr = asBulk(await ctx.requests.get(requestId));
  if (cr?.state !== 'applying') return 'not applying';
  const total = cr.target.instanceIds.length;
  const target = { ...auditTarget(cr), region, resource: instanceId };
  try {
    const done = await applyItem(ctx, cr, instanceId, region);
    await recordAudit(ctx, {
      type: 'applied',
      target,
      requestId,
      before: done.before,
      after: done.after,
      reason: done.note,
      awsRequestId: done.awsRequestId,
      session: done.session ?? null,
      jobId: job.id,
      key: `${requestId}:${instanceId}:applied`,
    });
    await recordAudit(ctx, {
      type: 'verified',
      target,
      requestId,
      after: done.after,
      jobId: job.id,
      key: `${requestId}:${instanceId}:verified`,
    });
    if (cr.kind !== 'rollback')
      await ctx.findings.watch({ accountId: target.accountId, region, instanceId }, requestId, ctx.now());
    await noteInstance(ctx, cr, { region, instanceId }, done.after);
    await progress(ctx, cr, total, { instanceId, outcome: 'done' });
    return 'applied';
  } catch (err) {
    const coded =
      err instanceof CodedError ? err : new CodedError('unexpected', errorMessage(err), { transient: true });
    if (coded.transient && job.attemptsMade + 1 < job.attempts) throw coded;
    if (coded.code === 'turned-in-use')
      return skip(ctx, cr, total, { instanceId, target, reason: coded.message, jobId: job.id });
    await recordAudit(ctx, {
      type: 'failed',
      target,
      requestId,
      reason: coded.message,
      jobId: job.id,
      key: `${requestId}:${instanceId}:failed`,
    });
    await progress(ctx, cr, total, { instanceId, outcome: 'failed' });
    return `failed: ${coded.code}`;
  }
}

/** The skipped instances' reasons (their own text, with the AWS data in them) as card lines. */
const skippedNote = (reasons: string[]): Message =>
  reasons.length === 0
    ? nothing
    : say` ${reasons.length} skipped:\n${lines(
        ...reasons.slice(0, 10).map((r) => say`• ${r}`),
        reasons.length > 10 && say`… and ${reasons.length - 10} more (see ${code('/imds audit')})`,
      )}`;

/** Every item has run: the bulk request is applied (with its counts), or failed when none succeeded. */
export async function finishBulk(ctx: ChangeContext, requestId: string): Promise<string> {
  const cr = asBulk(await ctx.requests.get(requestId));
  if (cr?.state !== 'applying') return 'not applying';
  const { done, failed } = await ctx.tally.counts(requestId);
  const skipped = await ctx.tally.skipped(requestId);
  const total = cr.target.instanceIds.length;
  const event =
    done === 0 && failed > 0
      ? {
          type: 'failed' as const,
          error: { code: 'bulk-failed', message: `all ${failed} instance(s) failed` },
        }
      : {
          type: 'applied' as const,
          after: { done, failed, ...(skipped.length ? { skipped: skipped.length } : {}), total },
          awsRequestId: null,
        };
  const { result, request } = await ctx.requests.apply(requestId, event, ctx.now());
  if (!result.ok) return result.code;
  await recordAudit(ctx, {
    type: request.state === 'applied' ? 'applied' : 'failed',
    target: auditTarget(request),
    requestId,
    after: { done, failed, total },
    reason: `bulk: ${done}/${total} enforced, ${failed} failed`,
    key: `${requestId}:bulk-${request.state}`,
  });
  if (request.kind === 'rollback' && request.state === 'applied') await markRolledBack(ctx, request);
  await ctx.notifier.changed(
    request,
    say`${failed || skipped.length ? ':warning:' : ':white_check_mark:'} Bulk finished: ${done}/${total} enforced and verified${failed ? say`, ${failed} failed (see ${code('/imds audit')})` : nothing}.${skippedNote(skipped)}`,
    { done, failed, total },
  );
  return request.state;
}
