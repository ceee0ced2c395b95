import { refreshCards } from '../../adapters/slack/blocks/change-cards.js';
import { code, lines, type Mrkdwn, md } from '../../adapters/slack/text.js';
import type { ChangeRequest } from '../../domain/change/request-schema.js';
import { CodedError, errorMessage } from '../../domain/errors.js';
import { enforceOne } from './apply.js';
import { auditTarget, recordAudit } from './audit.js';
import type { ChangeContext } from './context.js';
import { noteInstance } from './finding-update.js';
import { markRolledBack, restoreBulkItem } from './rollback.js';

const counterKey = (ctx: ChangeContext, id: string) => `${ctx.prefix}:bulk:${id}`;
const PROGRESS_EVERY = 25;

/** Counts one more item; every 25th (by an atomic counter, so none is skipped) updates the card. */
async function progress(
  ctx: ChangeContext,
  cr: ChangeRequest,
  field: 'done' | 'failed' | 'skipped',
): Promise<void> {
  const key = counterKey(ctx, cr.id);
  const res = await ctx.redis
    .multi()
    .hincrby(key, field, 1)
    .hincrby(key, 'finished', 1)
    .hgetall(key)
    .expire(key, 30 * 86_400)
    .exec();
  const finished = Number(res?.[1]?.[1] ?? 0);
  const c = (res?.[2]?.[1] ?? {}) as Record<string, string>;
  const total = cr.target.type === 'bulk' ? cr.target.instanceIds.length : 1;
  if (finished % PROGRESS_EVERY === 0 && finished < total) {
    const failed = Number(c.failed ?? 0) + Number(c.skipped ?? 0);
    await refreshCards(ctx, cr, null, { done: Number(c.done ?? 0), failed, total });
  }
}

const skippedKey = (ctx: ChangeContext, id: string) => `${ctx.prefix}:bulk-skipped:${id}`;

/** An instance that turned in-use since the bulk was requested: left alone, audited, named on the card. */
async function skip(
  ctx: ChangeContext,
  cr: ChangeRequest,
  instanceId: string,
  target: ReturnType<typeof auditTarget>,
  reason: string,
  jobId: string,
): Promise<string> {
  await ctx.redis
    .multi()
    .hset(skippedKey(ctx, cr.id), instanceId, reason)
    .expire(skippedKey(ctx, cr.id), 30 * 86_400)
    .exec();
  await recordAudit(ctx, {
    type: 'skipped',
    target,
    requestId: cr.id,
    reason,
    jobId,
    key: `${cr.id}:${instanceId}:skipped`,
  });
  await progress(ctx, cr, 'skipped');
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
  const cr = await ctx.requests.get(requestId);
  if (cr?.state !== 'applying' || cr.target.type !== 'bulk') return 'not applying';
  const target = { ...auditTarget(cr), region, resource: instanceId };
  try {
    const done =
      cr.kind === 'rollback'
        ? await restoreBulkItem(ctx, cr, instanceId, region)
        : await enforceOne(ctx, cr, instanceId, region, `${cr.id}:${instanceId}`);
    await recordAudit(ctx, {
      type: 'applied',
      target,
      requestId,
      before: done.before,
      after: done.after,
      reason: done.note,
      awsRequestId: done.awsRequestId,
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
    await progress(ctx, cr, 'done');
    return 'applied';
  } catch (err) {
    const coded =
      err instanceof CodedError ? err : new CodedError('unexpected', errorMessage(err), { transient: true });
    if (coded.transient && job.attemptsMade + 1 < job.attempts) throw coded;
    if (coded.code === 'turned-in-use') return skip(ctx, cr, instanceId, target, coded.message, job.id);
    await recordAudit(ctx, {
      type: 'failed',
      target,
      requestId,
      reason: coded.message,
      jobId: job.id,
      key: `${requestId}:${instanceId}:failed`,
    });
    await progress(ctx, cr, 'failed');
    return `failed: ${coded.code}`;
  }
}

/** The skipped instances' reasons (their own text, with the AWS data in them) as card lines. */
const skippedNote = (reasons: string[]): Mrkdwn =>
  reasons.length === 0
    ? md``
    : md` ${reasons.length} skipped:\n${lines(
        ...reasons.slice(0, 10).map((r) => md`• ${r}`),
        reasons.length > 10 && md`… and ${reasons.length - 10} more (see ${code('/imds audit')})`,
      )}`;

/** Every item has run: the bulk request is applied (with its counts), or failed when none succeeded. */
export async function finishBulk(ctx: ChangeContext, requestId: string): Promise<string> {
  const cr = await ctx.requests.get(requestId);
  if (cr?.state !== 'applying' || cr.target.type !== 'bulk') return 'not applying';
  const counts = await ctx.redis.hgetall(counterKey(ctx, requestId));
  const done = Number(counts.done ?? 0);
  const failed = Number(counts.failed ?? 0);
  const skipped = Object.values(await ctx.redis.hgetall(skippedKey(ctx, requestId)));
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
  await refreshCards(
    ctx,
    request,
    md`${failed || skipped.length ? ':warning:' : ':white_check_mark:'} Bulk finished: ${done}/${total} enforced and verified${failed ? md`, ${failed} failed (see ${code('/imds audit')})` : md``}.${skippedNote(skipped)}`,
    { done, failed, total },
  );
  return request.state;
}
