import {
  type Actor,
  ALLOW,
  approversLabel,
  type Decision,
  isApprover,
  isSecurity,
  mention,
  refuse,
  securityLabel,
  subject,
  type TargetFacts,
} from './approval-roles.js';
import type { Approvals } from './approval-schema.js';
import type { ChangeKind, ChangeRequest } from './request-schema.js';

/**
 * Who may request, approve, deny and snooze changes, and whether a change is safe to make. Pure.
 *
 * Roles: approvers (approvals.approvers) also count as security. Security may request any change and
 * snooze anything; an instance's owner may request enforcement of, and snooze, their own instances
 * (and a bulk enforcement when every instance in it is theirs); only approvers request rollbacks.
 * Approving needs an approver who is not the requester and has not approved this change already.
 *
 * The roles are in approval-roles.ts and the safety gates in approval-gates.ts.
 */

const ownerPhrase = (facts: TargetFacts): string =>
  facts.ownerUserId ? `the owner (${mention(facts.ownerUserId)})` : 'the owner (none tagged)';

const isOwner = (actor: Actor, facts: TargetFacts): boolean =>
  facts.ownerUserId !== null && facts.ownerUserId === actor.userId;

/** Whether `actor` may open a change request of `kind` on the target. */
export function canRequest(actor: Actor, kind: ChangeKind, facts: TargetFacts, policy: Approvals): Decision {
  if (kind === 'rollback') {
    if (isApprover(actor, policy)) return ALLOW;
    return refuse('not-approver', `Only approvers (${approversLabel(policy)}) can request a rollback.`);
  }
  if (isSecurity(actor, policy)) return ALLOW;
  if ((kind === 'enforce' || kind === 'bulk-enforce' || kind === 'find-caller') && isOwner(actor, facts))
    return ALLOW;
  if (kind === 'find-caller') {
    const who = `${ownerPhrase(facts)} or security (${securityLabel(policy)})`;
    return refuse('not-owner', `Only ${who} can ask to find the IMDSv1 caller on ${subject(facts)}.`);
  }
  if (kind === 'enforce' || kind === 'bulk-enforce') {
    const who = `${ownerPhrase(facts)} or security (${securityLabel(policy)})`;
    return refuse('not-owner', `Only ${who} can request enforcement on ${subject(facts)}.`);
  }
  const why = 'it changes every instance launched later';
  return refuse('not-security', `Only security (${securityLabel(policy)}) can request a ${kind}: ${why}.`);
}

/** How many distinct approvers (none of them the requester) a change needs. A rollback needs one. */
export function requiredApprovals(facts: TargetFacts, policy: Approvals, kind?: ChangeKind): number {
  if (kind === 'rollback') return 1;
  return facts.isProd && policy.requireTwoApproversForProd ? 2 : 1;
}

/** Separation of duties: an approver, not the requester, not twice; and the quorum still fits the target. */
export function canApprove(actor: Actor, cr: ChangeRequest, facts: TargetFacts, policy: Approvals): Decision {
  const who = approverMay(actor, cr, policy);
  if (!who.allowed) return who;
  if (requiredApprovals(facts, policy, cr.kind) > cr.requiredApprovals) {
    const why = `${subject(facts)} is now production and needs ${requiredApprovals(facts, policy, cr.kind)} approvers`;
    return refuse('policy-changed', `${why}; deny change ${cr.id} and request it again.`);
  }
  return ALLOW;
}

/**
 * Whether `actor` may decide (approve, deny, request a rollback of) this request at all: checked
 * before a modal opens, so nobody is asked for a reason they cannot use.
 */
export function canDecide(
  actor: Actor,
  cr: ChangeRequest,
  action: 'approve' | 'deny' | 'rollback',
  policy: Approvals,
): Decision {
  if (action === 'approve') return approverMay(actor, cr, policy);
  if (action === 'deny') return canDeny(actor, cr, policy);
  if (isApprover(actor, policy)) return ALLOW;
  return refuse('not-approver', `Only approvers (${approversLabel(policy)}) can request a rollback.`);
}

function approverMay(actor: Actor, cr: ChangeRequest, policy: Approvals): Decision {
  const approvers = approversLabel(policy);
  const requester = cr.requestedBy.userId === actor.userId;
  if (cr.state !== 'requested')
    return refuse('not-pending', `Change ${cr.id} is ${cr.state}: nothing to approve.`);
  if (!isApprover(actor, policy)) {
    const mine = requester ? '; you requested this change yourself' : '';
    return refuse('not-approver', `Only approvers (${approvers}) can approve${mine}.`);
  }
  if (requester) {
    return refuse(
      'self-approval',
      `You requested change ${cr.id} yourself; another approver (${approvers}) must approve it.`,
    );
  }
  if (cr.approvals.some((a) => a.userId === actor.userId)) {
    const more = cr.requiredApprovals - cr.approvals.length;
    return refuse(
      'duplicate-approval',
      `You already approved change ${cr.id}; it needs ${more} more from another approver (${approvers}).`,
    );
  }
  return ALLOW;
}

/** Approvers may deny; the requester may withdraw their own request. */
export function canDeny(actor: Actor, cr: ChangeRequest, policy: Approvals): Decision {
  if (cr.state !== 'requested')
    return refuse('not-pending', `Change ${cr.id} is ${cr.state}: nothing to deny.`);
  if (isApprover(actor, policy) || cr.requestedBy.userId === actor.userId) return ALLOW;
  const who = `approvers (${approversLabel(policy)}) or the requester (${mention(cr.requestedBy.userId)})`;
  return refuse('not-approver', `Only ${who} can deny change ${cr.id}.`);
}

/** Owners snooze their own instances, security anything; at most maxSnoozeDays. */
export function canSnooze(
  actor: Actor,
  facts: TargetFacts,
  durationDays: number,
  policy: Approvals,
): Decision {
  if (!isOwner(actor, facts) && !isSecurity(actor, policy)) {
    const who = `${ownerPhrase(facts)} or security (${securityLabel(policy)})`;
    return refuse('not-owner', `Only ${who} can snooze ${subject(facts)}.`);
  }
  if (facts.readiness === 'compliant' || facts.readiness === 'imds-disabled') {
    return refuse(
      'nothing-to-snooze',
      `${subject(facts)} no longer accepts IMDSv1 calls: nothing to snooze.`,
    );
  }
  const choices = policy.snoozeChoicesDays.join(', ');
  if (!Number.isInteger(durationDays) || durationDays < 1) {
    return refuse('snooze-invalid', `Snooze for a whole number of days: ${choices}.`);
  }
  if (durationDays > policy.maxSnoozeDays) {
    return refuse(
      'snooze-too-long',
      `Snoozes last at most ${policy.maxSnoozeDays} days; pick one of ${choices}.`,
    );
  }
  return ALLOW;
}
