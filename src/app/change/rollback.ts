import type { ChangeRequest } from '../../domain/change/request-schema.js';
import { say } from '../../domain/message.js';
import type { Json } from '../../domain/ports/change-memo.js';
import { recordAudit } from './audit.js';
import type { ChangeContext } from './context.js';
import { auditTarget, targetOf } from './targets/index.js';
import type { Applied } from './targets/target.js';

/**
 * Rollback: a rollback request restores exactly the state captured before the change it undoes
 * (instance options, the template's previous default version, the account default; each target's
 * `restore`), and marks that change rolled back.
 */

/** What an instance was before `original` changed it: its own before, or its item's in a bulk. */
export const capturedBefore = (
  ctx: ChangeContext,
  original: ChangeRequest,
  instanceId: string,
): Promise<Json | null> => targetOf(original.target).capturedBefore(ctx, original, instanceId);

export async function restore(ctx: ChangeContext, cr: ChangeRequest): Promise<Applied> {
  const original = cr.rollbackOf ? await ctx.requests.get(cr.rollbackOf) : null;
  const beforeOf = (instanceId: string) =>
    original ? capturedBefore(ctx, original, instanceId) : Promise.resolve(null);
  return targetOf(cr.target).restore(ctx, cr, { original, beforeOf });
}

export async function markRolledBack(ctx: ChangeContext, rollback: ChangeRequest): Promise<void> {
  const by = rollback.approvals[0] ?? rollback.requestedBy;
  const original = await ctx.requests.get(rollback.rollbackOf ?? '');
  if (original && (await targetOf(original.target).partRolledBack(ctx, original, rollback))) return;
  const { result, request } = await ctx.requests.apply(
    rollback.rollbackOf ?? '',
    {
      type: 'rolled-back',
      by: { userId: by.userId, name: by.name },
      reason: rollback.reason ?? 'rollback',
      rollbackRequestId: rollback.id,
    },
    ctx.now(),
  );
  if (!result.ok) return;
  await recordAudit(ctx, {
    type: 'rolled-back',
    actor: { userId: by.userId, name: by.name },
    target: auditTarget(request),
    requestId: request.id,
    before: request.after,
    after: request.before,
    reason: rollback.reason,
    key: `${request.id}:rolled-back`,
  });
  await ctx.notifier.changed(request, say`:leftwards_arrow_with_hook: Rolled back by ${rollback.id}.`);
}
