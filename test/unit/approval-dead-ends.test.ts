import { describe, expect, it } from 'vitest';
import { approvalDeadEnds, neverApproved } from '../../src/domain/change/approval-dead-ends.js';
import { Approvals } from '../../src/domain/change/approval-schema.js';

const A = 'U0APPR001';
const B = 'U0APPR002';
const C = 'U0APPR003';
const policy = (approvers: { users?: string[]; groups?: string[] }, extra: Record<string, unknown> = {}) =>
  Approvals.parse({ approvers, ...extra });

describe('approval rules that can never be met', () => {
  it.each([
    ['no approvers at all', policy({}), [['no-approvers', []]]],
    [
      'two approvers, two for prod: each one strands their own prod requests',
      policy({ users: [A, B] }),
      [['prod-needs-two', [A, B]]],
    ],
    ['three approvers, two for prod', policy({ users: [A, B, C] }), []],
    ['two approvers, one for prod', policy({ users: [A, B] }, { requireTwoApproversForProd: false }), []],
    [
      'one approver',
      policy({ users: [A] }),
      [
        ['prod-needs-two', []],
        ['sole-approver-requests', [A]],
        ['rollback-needs-another-approver', [A]],
      ],
    ],
    [
      'approvers from a user group are counted at approval, not here',
      policy({ users: [A], groups: ['S0APPR001'] }),
      [],
    ],
  ])('%s', (_, p, want) => {
    expect(approvalDeadEnds(p).map((d) => [d.rule, d.people])).toEqual(want);
    for (const d of approvalDeadEnds(p)) expect(d.message.length).toBeGreaterThan(20);
  });

  it('names the rule for one request: who filed it and how many approvals it needs', () => {
    const two = policy({ users: [A, B] });
    expect(neverApproved(two, A, 2)).toContain('needs 2 approver(s) other than the requester');
    expect(neverApproved(two, A, 1)).toBeNull();
    expect(neverApproved(two, 'U0SEC0001', 2)).toBeNull();
    expect(neverApproved(policy({}), 'U0SEC0001', 1)).toContain('no approvers are configured');
  });
});
