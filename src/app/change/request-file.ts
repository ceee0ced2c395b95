import { randomBytes } from 'node:crypto';
import { neverApproved } from '../../domain/change/approval-dead-ends.js';
import { canRequest, requiredApprovals } from '../../domain/change/approval-policy.js';
import type { TargetFacts } from '../../domain/change/approval-roles.js';
import { describeChange } from '../../domain/change/request.js';
import {
  type ChangeKind,
  type ChangeRequest,
  type ChangeTarget,
  createChangeRequest,
  type Person,
} from '../../domain/change/request-schema.js';
import { escaped, type Message, nothing, say, user } from '../../domain/message.js';
import type { Where } from '../../domain/ports/notifier.js';
import { recordAudit } from './audit.js';
import type { ChangeContext } from './context.js';
import { targetOf } from './targets/index.js';

/**
 * Filing a change request, shared by every kind: the requester's right to ask, one open request per
 * target (claimed atomically with the write: a double click or a second bulk is refused, naming
 * the first), the audit entry, the origin thread and the approval card.
 */

/** Filed (with the notes its card shows), or refused with why. */
export type RequestOutcome =
  | { ok: true; request: ChangeRequest; notes: Message[] }
  | { ok: false; reason: Message; openId?: string };

export const newRequestId = () => `cr-${randomBytes(6).toString('hex')}`;

/** The refusal of a second request for a target some open request holds. */
export async function alreadyOpen(ctx: ChangeContext, openId: string): Promise<RequestOutcome> {
  const first = await ctx.requests.get(openId);
  const card = await ctx.notifier.cardLink(openId);
  const what = first
    ? say`${openId} (${escaped(describeChange(first))}, ${first.state}, requested by ${user(first.requestedBy.userId)})`
    : say`${openId}`;
  const see = card ? say`: see ${card}` : nothing;
  return {
    ok: false,
    reason: say`Not filed: ${what} is already open for this target${see}. One open request per instance, template or default at a time; decide that one first.`,
    openId,
  };
}

export interface NewRequest {
  kind: ChangeKind;
  target: ChangeTarget;
  resource: string;
  facts: TargetFacts;
  by: Person;
  groups: readonly string[];
  reason: string | null;
  before: Record<string, string | number | boolean> | null;
  rollbackOf?: string;
  notes: Message[];
  where: Where;
}

export async function file(ctx: ChangeContext, r: NewRequest): Promise<RequestOutcome> {
  const allowed = canRequest(
    { userId: r.by.userId, groups: r.groups },
    r.kind,
    r.facts,
    ctx.workflow.approvals,
  );
  if (!allowed.allowed) return { ok: false, reason: escaped(allowed.reason) };
  const t = r.target;
  const cr = createChangeRequest(
    {
      id: newRequestId(),
      kind: r.kind,
      target: t,
      requestedBy: r.by,
      reason: r.reason,
      before: r.before,
      requiredApprovals: requiredApprovals(r.facts, ctx.workflow.approvals, r.kind),
      ttlHours: ctx.workflow.approvals.requestTtlHours,
      ...(r.rollbackOf ? { rollbackOf: r.rollbackOf } : {}),
    },
    ctx.now(),
  );
  const created = await ctx.requests.create(cr);
  if (!created.ok && created.code === 'target-open') return alreadyOpen(ctx, created.openId);
  if (!created.ok) return { ok: false, reason: say`That request id is taken; try again.` };
  await recordAudit(ctx, {
    type: 'requested',
    actor: r.by,
    target: { ...targetOf(t).auditTarget(t, cr.id), resource: r.resource },
    requestId: cr.id,
    before: r.before,
    reason: r.reason,
    key: `${cr.id}:requested`,
  });
  const never = neverApproved(ctx.workflow.approvals, r.by.userId, cr.requiredApprovals);
  const notes = never
    ? [
        ...r.notes,
        say`:warning: This request can never be approved: ${escaped(never)}. It will expire unapproved at ${cr.expiresAt.slice(0, 16)}Z; deny it, or fix the workflow's approvers.`,
      ]
    : r.notes;
  await ctx.notifier.filed(cr, notes, r.where);
  return { ok: true, request: cr, notes };
}
