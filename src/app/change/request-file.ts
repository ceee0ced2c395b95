import { randomBytes } from 'node:crypto';
import { postRequestCard } from '../../adapters/slack/blocks/change-cards.js';
import { link, type Mrkdwn, md, trusted, user } from '../../adapters/slack/text.js';
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
import { recordAudit } from './audit.js';
import type { ChangeContext } from './context.js';

/**
 * Filing a change request, shared by every kind: the requester's right to ask, one open request per
 * target (claimed atomically with the write: a double click or a second bulk is refused, naming
 * the first), the audit entry, the origin thread and the approval card.
 */

/** Where the request came from: a digest card's thread hears how it goes. */
export type Where = { channelId: string | null; messageTs?: string | null };

export type RequestOutcome =
  | { ok: true; request: ChangeRequest; notes: string[] }
  | { ok: false; reason: string; openId?: string };

export const newRequestId = () => `cr-${randomBytes(6).toString('hex')}`;

/** Where a request's card is, as a link the bot builds from the ids it stored; null before it is posted. */
async function cardLink(ctx: ChangeContext, id: string): Promise<Mrkdwn | null> {
  const card = await ctx.cards.get(`request:${id}`);
  return card
    ? link(`https://slack.com/archives/${card.channel}/p${card.ts.replace('.', '')}`, 'its card')
    : null;
}

/** The refusal of a second request for a target some open request holds. */
export async function alreadyOpen(ctx: ChangeContext, openId: string): Promise<RequestOutcome> {
  const first = await ctx.requests.get(openId);
  const card = await cardLink(ctx, openId);
  const what = first
    ? md`${openId} (${trusted(describeChange(first))}, ${first.state}, requested by ${user(first.requestedBy.userId)})`
    : md`${openId}`;
  const see = card ? md`: see ${card}` : md``;
  return {
    ok: false,
    reason:
      md`Not filed: ${what} is already open for this target${see}. One open request per instance, template or default at a time; decide that one first.`
        .text,
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
  if (!created.ok) return { ok: false, reason: 'That request id is taken; try again.' };
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
  const never = neverApproved(ctx.workflow.approvals, r.by.userId, cr.requiredApprovals);
  const notes = never
    ? [
        ...r.notes,
        `:warning: This request can never be approved: ${never}. It will expire unapproved at ${cr.expiresAt.slice(0, 16)}Z; deny it, or fix the workflow's approvers.`,
      ]
    : r.notes;
  await postRequestCard(ctx, cr, notes);
  return { ok: true, request: cr, notes };
}
