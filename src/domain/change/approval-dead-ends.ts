import type { Approvals } from './approval-schema.js';

/**
 * Rules under which a request can never reach its approvals: with exactly two approvers and two
 * required for production, a production request filed by one of them waits until it expires. Found
 * at workflow load (logged once, printed by `imds-bot health`) and said again when such a request is
 * filed. Approvers named through user groups are counted at approval time, not here: with any
 * approver group configured only the "no approvers at all" rule is certain. Pure.
 */

export interface DeadEnd {
  rule: 'no-approvers' | 'prod-needs-two' | 'sole-approver-requests' | 'rollback-needs-another-approver';
  /** the Slack user ids the rule is about (the requesters it strands), empty when it is everyone */
  people: string[];
  message: string;
}

/** Plain ids (schema-checked `U…`/`W…`): the same text reads in a log, a terminal and Slack. */
const list = (ids: readonly string[]) => ids.join(', ');

/** The approvers other than the requester, when they can be counted (null: a group decides). */
function othersThan(policy: Approvals, requesterId: string): number | null {
  if (policy.approvers.groups.length > 0) return null;
  return policy.approvers.users.filter((u) => u !== requesterId).length;
}

/** Why a request by `requesterId` needing `required` approvals can never be approved, or null. */
export function neverApproved(policy: Approvals, requesterId: string, required: number): string | null {
  const a = policy.approvers;
  if (a.users.length === 0 && a.groups.length === 0)
    return 'no approvers are configured (approvals.approvers), so nobody can approve it';
  const others = othersThan(policy, requesterId);
  if (others === null || others >= required) return null;
  const who = others === 0 ? 'no approver' : `only ${others} approver`;
  return `it needs ${required} approver(s) other than the requester and the workflow names ${who} besides them (approvals.approvers: ${list(a.users)})`;
}

/** Every such rule of a workflow, with the people it strands. */
export function approvalDeadEnds(policy: Approvals): DeadEnd[] {
  const a = policy.approvers;
  if (a.users.length === 0 && a.groups.length === 0)
    return [
      {
        rule: 'no-approvers',
        people: [],
        message:
          'approvals.approvers is empty: no change request can ever be approved (scans and digests still run)',
      },
    ];
  if (a.groups.length > 0) return [];
  const out: DeadEnd[] = [];
  const prodNeeds = policy.requireTwoApproversForProd ? 2 : 1;
  const strandedProd = a.users.filter((u) => (othersThan(policy, u) ?? prodNeeds) < prodNeeds);
  if (prodNeeds === 2 && a.users.length < 2)
    out.push({
      rule: 'prod-needs-two',
      people: [],
      message: `requireTwoApproversForProd needs 2 approvers but approvals.approvers names ${a.users.length}: no production request can ever be approved`,
    });
  else if (prodNeeds === 2 && strandedProd.length > 0)
    out.push({
      rule: 'prod-needs-two',
      people: strandedProd,
      message: `requireTwoApproversForProd with exactly ${a.users.length} approvers (${list(a.users)}): a production request filed by ${list(strandedProd)} can never be approved (the requester does not count); add a third approver`,
    });
  if (a.users.length === 1)
    out.push(
      {
        rule: 'sole-approver-requests',
        people: [...a.users],
        message: `${list(a.users)} is the only approver: no request they file can ever be approved, security's requests only by them`,
      },
      {
        rule: 'rollback-needs-another-approver',
        people: [...a.users],
        message: `rollbacks are requested by approvers and confirmed by another: with one approver (${list(a.users)}) no rollback can ever be approved`,
      },
    );
  return out;
}
