import type { InstanceOptions } from '../aws/remediation.js';
import type { ChangeRequest } from '../domain/change-request.js';
import type { AccountDefault } from '../domain/model.js';
import { CodedError } from '../errors.js';
import { md } from '../slack/text.js';
import { type Applied, asJson } from './applied.js';
import { recordAudit } from './audit.js';
import { refreshCards } from './cards.js';
import type { ChangeContext } from './context.js';
import { auditTarget } from './decide.js';

/**
 * Rollback: a rollback request restores exactly the state captured before the change it undoes
 * (instance options, the template's previous default version, the account default), and marks
 * that change rolled back.
 */
export async function restore(ctx: ChangeContext, cr: ChangeRequest): Promise<Applied> {
  const original = cr.rollbackOf ? await ctx.requests.get(cr.rollbackOf) : null;
  if (!original?.before)
    throw new CodedError('nothing-to-restore', `${cr.id}: the change it undoes has no captured before-state`);
  const t = cr.target;
  if (t.type === 'bulk')
    throw new CodedError('bulk-rollback', 'roll back bulk changes one instance at a time');
  const account = await ctx.accountFor(t.accountId);
  const ec2 = ctx.clients.forScope(account, t.region).ec2;
  const r = ctx.remediationFor(t);
  if (t.type === 'instance') {
    const result = await r.restoreInstance(ec2, t.instanceId, original.before as unknown as InstanceOptions);
    const after = result.changed ? result.after : result.before;
    return {
      before: asJson(result.before),
      after: asJson(after),
      awsRequestId: result.changed ? result.awsRequestId : null,
      note: `restored ${JSON.stringify(original.before)}`,
    };
  }
  if (t.type === 'launch-template') {
    const previous = Number(original.before.defaultVersion);
    const result = await r.restoreLaunchTemplate(ec2, t.launchTemplateId, previous);
    return {
      before: { defaultVersion: result.newVersion },
      after: { defaultVersion: previous },
      awsRequestId: result.awsRequestIds[0] ?? null,
      note: `default version back to ${previous}`,
    };
  }
  const result = await r.restoreAccountDefault(ec2, t, original.before as unknown as AccountDefault);
  return {
    before: asJson(result.before),
    after: asJson(result.after),
    awsRequestId: result.awsRequestId,
    note: 'account default restored',
  };
}

export async function markRolledBack(ctx: ChangeContext, rollback: ChangeRequest): Promise<void> {
  const by = rollback.approvals[0] ?? rollback.requestedBy;
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
