import type { InstanceOptions } from '../../adapters/aws/remediation-instance.js';
import { refreshCards } from '../../adapters/slack/blocks/change-cards.js';
import { code, md } from '../../adapters/slack/text.js';
import type { ChangeRequest } from '../../domain/change/request-schema.js';
import { CodedError } from '../../domain/errors.js';
import type { AccountDefault } from '../../domain/findings/model.js';
import { type Applied, asJson, type Json, recalledBefore } from './applied.js';
import { auditTarget, recordAudit } from './audit.js';
import type { ChangeContext } from './context.js';

/**
 * Rollback: a rollback request restores exactly the state captured before the change it undoes
 * (instance options, the template's previous default version, the account default), and marks
 * that change rolled back.
 */
/** One instance back to `before`, exactly as captured before the change. */
async function restoreOne(
  ctx: ChangeContext,
  scope: { accountId: string; region: string },
  instanceId: string,
  before: Json,
): Promise<Applied> {
  const account = await ctx.accountFor(scope.accountId);
  const ec2 = ctx.clients.forScope(account, scope.region).ec2;
  const result = await ctx
    .remediationFor(scope)
    .restoreInstance(ec2, instanceId, before as unknown as InstanceOptions);
  const after = result.changed ? result.after : result.before;
  return {
    before: asJson(result.before),
    after: asJson(after),
    awsRequestId: result.changed ? result.awsRequestId : null,
    note: `restored ${JSON.stringify(before)}`,
  };
}

/** What an instance was before `original` changed it: its own before, or its item's in a bulk. */
export async function capturedBefore(
  ctx: ChangeContext,
  original: ChangeRequest,
  instanceId: string,
): Promise<Json | null> {
  if (original.target.type === 'bulk') return recalledBefore(ctx, `${original.id}:${instanceId}`);
  return (original.before as Json | null) ?? null;
}

/** One instance of a bulk rollback (the job per instance of a rollback whose target is a bulk). */
export async function restoreBulkItem(
  ctx: ChangeContext,
  cr: ChangeRequest,
  instanceId: string,
  region: string,
): Promise<Applied> {
  const original = cr.rollbackOf ? await ctx.requests.get(cr.rollbackOf) : null;
  const before = original ? await capturedBefore(ctx, original, instanceId) : null;
  if (!before)
    throw new CodedError('nothing-to-restore', `${instanceId}: no before-state captured by ${cr.rollbackOf}`);
  return restoreOne(ctx, { accountId: cr.target.accountId, region }, instanceId, before);
}

export async function restore(ctx: ChangeContext, cr: ChangeRequest): Promise<Applied> {
  const original = cr.rollbackOf ? await ctx.requests.get(cr.rollbackOf) : null;
  const t = cr.target;
  if (t.type === 'bulk')
    throw new CodedError('bulk-in-single-job', 'bulk rollbacks run as one job per instance');
  const before =
    original && t.type === 'instance' ? await capturedBefore(ctx, original, t.instanceId) : original?.before;
  if (!original || !before)
    throw new CodedError('nothing-to-restore', `${cr.id}: the change it undoes has no captured before-state`);
  if (t.type === 'instance') return restoreOne(ctx, t, t.instanceId, before as Json);
  const account = await ctx.accountFor(t.accountId);
  const ec2 = ctx.clients.forScope(account, t.region).ec2;
  const r = ctx.remediationFor(t);
  if (t.type === 'launch-template') {
    const previous = Number(before.defaultVersion);
    const result = await r.restoreLaunchTemplate(ec2, t.launchTemplateId, previous);
    return {
      before: { defaultVersion: result.newVersion },
      after: { defaultVersion: previous },
      awsRequestId: result.awsRequestIds[0] ?? null,
      note: `default version back to ${previous}`,
    };
  }
  const result = await r.restoreAccountDefault(ec2, t, before as unknown as AccountDefault);
  return {
    before: asJson(result.before),
    after: asJson(result.after),
    awsRequestId: result.awsRequestId,
    note: 'account default restored',
  };
}

export async function markRolledBack(ctx: ChangeContext, rollback: ChangeRequest): Promise<void> {
  const by = rollback.approvals[0] ?? rollback.requestedBy;
  const original = await ctx.requests.get(rollback.rollbackOf ?? '');
  const t = rollback.target;
  if (original?.target.type === 'bulk' && t.type === 'instance') {
    // one instance of a bulk: the bulk stays applied; that instance's enforcement is undone
    await ctx.requests.unapplied(original.id, {
      accountId: t.accountId,
      region: t.region,
      resource: t.instanceId,
    });
    await recordAudit(ctx, {
      type: 'rolled-back',
      actor: { userId: by.userId, name: by.name },
      target: { accountId: t.accountId, region: t.region, resource: t.instanceId },
      requestId: original.id,
      before: rollback.after,
      reason: rollback.reason,
      key: `${original.id}:${t.instanceId}:rolled-back`,
    });
    await refreshCards(
      ctx,
      original,
      md`:leftwards_arrow_with_hook: ${code(t.instanceId)} rolled back by ${rollback.id}.`,
    );
    return;
  }
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
  await refreshCards(ctx, request, md`:leftwards_arrow_with_hook: Rolled back by ${rollback.id}.`);
}
