import { randomBytes } from 'node:crypto';
import { canRequest, requiredApprovals, type TargetFacts } from '../domain/approval-policy.js';
import {
  type ChangeKind,
  type ChangeRequest,
  type ChangeTarget,
  createChangeRequest,
  type Person,
} from '../domain/change-request.js';
import { recordAudit } from './audit.js';
import { postRequestCard } from './cards.js';
import type { ChangeContext } from './context.js';

/**
 * Filing a change request, shared by every kind: the requester's right to ask, reuse of a pending
 * request for the same target, the audit entry, the origin thread and the approval card.
 */

/** Where the request came from: a digest card's thread hears how it goes. */
export type Where = { channelId: string | null; messageTs?: string | null };

export type RequestOutcome =
  | { ok: true; request: ChangeRequest; existing: boolean; notes: string[] }
  | { ok: false; reason: string };

const OPEN_STATES = new Set(['requested', 'approved', 'applying']);
export const newRequestId = () => `cr-${randomBytes(6).toString('hex')}`;

/** A pending request for the same target is reused: a double click asks once. */
async function openRequestFor(
  ctx: ChangeContext,
  accountId: string,
  region: string,
  resource: string,
  kind: ChangeKind,
): Promise<ChangeRequest | null> {
  const list = await ctx.requests.forTarget(accountId, region, resource, 10);
  return list.find((cr) => cr.kind === kind && OPEN_STATES.has(cr.state)) ?? null;
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
  notes: string[];
  where: Where;
}

export async function file(ctx: ChangeContext, r: NewRequest): Promise<RequestOutcome> {
  const allowed = canRequest(
    { userId: r.by.userId, groups: r.groups },
    r.kind,
    r.facts,
    ctx.workflow.approvals,
  );
  if (!allowed.allowed) return { ok: false, reason: allowed.reason };
  const t = r.target;
  const existing = await openRequestFor(
    ctx,
    t.accountId,
    t.type === 'bulk' ? (t.region ?? '*') : t.region,
    r.resource,
    r.kind,
  );
  if (existing) return { ok: true, request: existing, existing: true, notes: [] };
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
  if (!(await ctx.requests.create(cr))) return { ok: false, reason: 'That request id is taken; try again.' };
  await recordAudit(ctx, {
    type: 'requested',
    actor: r.by,
    target: {
      accountId: t.accountId,
      region: t.type === 'bulk' ? (t.region ?? '*') : t.region,
      resource: r.resource,
    },
    requestId: cr.id,
    before: r.before,
    reason: r.reason,
    key: `${cr.id}:requested`,
  });
  if (r.where.channelId && r.where.messageTs) {
    await ctx.redis.set(
      `${ctx.prefix}:cr-origin:${cr.id}`,
      JSON.stringify({ channel: r.where.channelId, ts: r.where.messageTs }),
      'EX',
      30 * 86_400,
    );
  }
  await postRequestCard(ctx, cr, r.notes);
  return { ok: true, request: cr, existing: false, notes: r.notes };
}
