import { recordRefusal, unknownTarget } from '../../../app/change/audit.js';
import { auditTarget } from '../../../app/change/targets/index.js';
import { canDecide } from '../../../domain/change/approval-policy.js';
import { md, section, trusted } from '../text.js';
import { ephemeral, type ResponseMessage } from '../web.js';
import { inactiveRefusal } from './active.js';
import type { TaskContext } from './context.js';

export interface DecisionAttempt {
  action: 'approve' | 'deny' | 'rollback';
  requestId: string;
  user: { id: string; name: string };
  channelId: string | null;
}

/**
 * The card of a request the bot cannot find (Redis lost it, e.g. restarted without AOF; or the
 * card is forged) is replaced by one that says so and offers a re-scan: it never waits forever.
 */
export function lostRequestMessage(requestId: string): ResponseMessage {
  const text = md`:warning: imds-bot no longer knows change request ${requestId}: its record is gone (Redis lost data?), or the card is stale or forged. Nothing will happen from this card. Re-scan with ${trusted('`/imds scan`')} to see the current state, then file the change again if it is still needed.`;
  return { ...ephemeral(text, [section(text)]), replace_original: true };
}

/**
 * Before an Approve, Deny or Rollback modal opens: someone who may not decide this request is
 * refused at once, told who can, and the attempt is audited. Null when they may go on.
 */
export async function precheckDecision(
  ctx: TaskContext,
  a: DecisionAttempt,
): Promise<ResponseMessage | null> {
  const inactive = await inactiveRefusal(ctx, { kind: 'cr-decision', ...a, responseUrl: null });
  if (inactive) return inactive;
  const actor = { userId: a.user.id, name: a.user.name };
  const cr = await ctx.change.requests.get(a.requestId);
  if (!cr) {
    await recordRefusal(ctx, {
      actor,
      action: a.action,
      target: unknownTarget(a.requestId),
      code: 'unknown-request',
      reason: `No change request ${a.requestId}: the card is stale or forged.`,
    });
    return lostRequestMessage(a.requestId);
  }
  const who = await ctx.access.actorFor(a.user.id, a.channelId);
  const decision = canDecide(who, cr, a.action, ctx.workflow.approvals);
  if (decision.allowed) return null;
  await recordRefusal(ctx, {
    actor,
    action: a.action,
    target: auditTarget(cr),
    requestId: cr.id,
    code: decision.code,
    reason: decision.reason,
  });
  return ephemeral(trusted(decision.reason));
}
