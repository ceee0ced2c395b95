import { Fleet } from '../../sandbox/aws/fleet.js';
import { makeWorkflow } from './harness.js';

export const ACCOUNT = '454545454545';
export const REGION = 'eu-west-1';
export const U = {
  alice: 'U0ALICE01',
  bob: 'U0BOB0001',
  carol: 'U0CAROL01',
  sec: 'U0SEC0001',
  approver: 'U0APPR001',
  approver2: 'U0APPR002',
  mallory: 'U0MALLORY',
};
export const C = { security: 'C0SEC0001', payments: 'C0PAY0001', general: 'C0GEN0001' };
export const SECURITY_GROUP = 'S0SEC0001';
const DAY = 86_400_000;

export const slackSeed = () => ({
  users: [
    { id: U.alice, name: 'alice', real_name: 'Alice A', email: 'alice@example.com' },
    { id: U.bob, name: 'bob', real_name: 'Bob B', email: 'bob@example.com', deleted: true },
    { id: U.carol, name: 'carol', real_name: 'Carol C', email: 'carol@example.com' },
    { id: U.sec, name: 'sec', real_name: 'Sec Urity', email: 'sec@example.com' },
    { id: U.approver, name: 'appr', real_name: 'Ap Prover', email: 'appr@example.com' },
    { id: U.approver2, name: 'appr2', real_name: 'Ap Prover Two', email: 'appr2@example.com' },
    { id: U.mallory, name: 'mallory', real_name: 'Mallory M', email: 'mallory@example.com' },
  ],
  usergroups: { [SECURITY_GROUP]: [U.sec] },
  channels: [
    { id: C.security, name: 'imds-security' },
    { id: C.payments, name: 'payments' },
    { id: C.general, name: 'general' },
  ],
  rateLimits: false as const,
});

/** Laggards for each kind of owner the bot must route: person, team, deactivated person, nobody. */
export function slackFleet() {
  const fleet = new Fleet({ seed: 31 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 40 * DAY) };
  const ids = {
    aliceReady: fleet.addInstance({ ...at, tags: { Name: 'alice-web', Owner: 'alice@example.com' } })
      .instanceId,
    aliceInUse: fleet.addInstance({
      ...at,
      tags: { Name: 'alice-legacy', Owner: 'alice@example.com', Environment: 'prod' },
      usage: { kind: 'steady', callsPerHour: 5 },
    }).instanceId,
    carol: fleet.addInstance({ ...at, tags: { Name: 'carol-box', Owner: U.carol } }).instanceId,
    payments: fleet.addInstance({ ...at, tags: { Name: 'pay-api', team: 'payments' } }).instanceId,
    bob: fleet.addInstance({ ...at, tags: { Name: 'bob-old', Owner: 'bob@example.com' } }).instanceId,
    nobody: fleet.addInstance({ ...at, tags: { Name: 'orphan' } }).instanceId,
    fixed: fleet.addInstance({
      ...at,
      tags: { Name: 'alice-ok', Owner: 'alice@example.com' },
      metadata: { httpTokens: 'required' },
    }).instanceId,
  };
  return { fleet, ids };
}

export const slackWorkflow = (extra: Record<string, unknown> = {}) =>
  makeWorkflow(
    {
      accounts: [{ id: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner` }],
      regions: [REGION],
    },
    {
      slack: { securityChannel: C.security, teams: { payments: C.payments } },
      approvals: {
        approvers: { users: [U.approver, U.approver2] },
        security: { groups: [SECURITY_GROUP], channels: [] },
      },
      ...extra,
    },
  );

/** The approvals change-control tests use: two approvers, the security group, two approvers for prod. */
export const changeControlWorkflow = () =>
  slackWorkflow({
    approvals: {
      approvers: { users: [U.approver, U.approver2] },
      security: { groups: [SECURITY_GROUP] },
      requireTwoApproversForProd: true,
    },
  });
