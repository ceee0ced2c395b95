import { Workflow } from '../../src/config/workflow-schema.js';
import { Fleet } from '../aws/fleet.js';

/**
 * The demo organization local mode starts with: three accounts in two or three regions, owners who
 * are demo users of the sandbox workspace, instances ready / in use / unknown, an Auto Scaling
 * group behind a launch template that does not require tokens, an account default that does not
 * enforce, and one instance that will regress on the next scan.
 */
export const DEMO = {
  users: {
    alice: 'U0ALICE01',
    bob: 'U0BOB0001',
    sam: 'U0SECENG1',
    ana: 'U0APPROV1',
    raj: 'U0APPROV2',
    lee: 'U0APPROV3',
  },
  channels: {
    security: 'C0SECURITY',
    approvers: 'C0APPROVER',
    payments: 'C0PAYMENTS',
    platform: 'C0PLATFORM',
  },
  securityGroup: 'S0SECENG01',
  accounts: { prod: '111122223333', staging: '444455556666', data: '777788889999' },
} as const;

const DAY = 86_400_000;
const U = DEMO.users;

export function demoSlackSeed() {
  return {
    teamName: 'Demo Corp',
    users: [
      { id: U.alice, name: 'alice', real_name: 'Alice Owner', email: 'alice@demo.example' },
      { id: U.bob, name: 'bob', real_name: 'Bob Owner', email: 'bob@demo.example' },
      { id: U.sam, name: 'sam', real_name: 'Sam Security', email: 'sam@demo.example' },
      { id: U.ana, name: 'ana', real_name: 'Ana Approver', email: 'ana@demo.example' },
      { id: U.raj, name: 'raj', real_name: 'Raj Approver', email: 'raj@demo.example' },
      { id: U.lee, name: 'lee', real_name: 'Lee Approver', email: 'lee@demo.example' },
    ],
    usergroups: { [DEMO.securityGroup]: [U.sam] },
    channels: [
      { id: DEMO.channels.security, name: 'imds-security' },
      { id: DEMO.channels.approvers, name: 'imds-approvers' },
      { id: DEMO.channels.payments, name: 'team-payments' },
      { id: DEMO.channels.platform, name: 'team-platform' },
    ],
    rateLimits: false as const,
  };
}

export const demoRoles = (): Record<string, string> => ({
  [U.alice]: 'owner (payments)',
  [U.bob]: 'owner (platform)',
  [U.sam]: 'security engineer',
  [U.ana]: 'approver',
  [U.raj]: 'approver',
  [U.lee]: 'approver',
});

export function demoWorkflow(): Workflow {
  const accounts = Object.values(DEMO.accounts).map((id) => ({
    id,
    roleArn: `arn:aws:iam::${id}:role/ImdsBotScanner`,
  }));
  return Workflow.parse({
    version: 1,
    name: 'local-demo',
    scope: { accounts, regions: ['eu-west-1', 'us-east-1', 'ap-southeast-2'] },
    slack: {
      securityChannel: DEMO.channels.security,
      teams: { payments: DEMO.channels.payments, platform: DEMO.channels.platform },
    },
    approvals: {
      approvers: { users: [U.ana, U.raj, U.lee] },
      security: { groups: [DEMO.securityGroup] },
      requireTwoApproversForProd: true,
    },
  });
}

/** The fleet, and the instance that regresses (`regress()` turns it back to optional). */
export function demoFleet() {
  const fleet = new Fleet({ seed: 2026 });
  const { prod, staging, data } = DEMO.accounts;
  fleet.addAccount({ id: prod, regions: ['eu-west-1', 'us-east-1'] });
  fleet.addAccount({ id: staging, regions: ['eu-west-1'] });
  fleet.addAccount({ id: data, regions: ['eu-west-1', 'ap-southeast-2'] });
  const old = (accountId: string, region: string) => ({
    accountId,
    region,
    launchTime: new Date(Date.now() - 60 * DAY),
  });
  const owner = (who: string, extra: Record<string, string> = {}) => ({
    Owner: `${who}@demo.example`,
    ...extra,
  });
  fleet.addInstance({
    ...old(prod, 'eu-west-1'),
    tags: { Name: 'payments-api', ...owner('alice', { team: 'payments' }) },
  });
  fleet.addInstance({
    ...old(prod, 'eu-west-1'),
    tags: { Name: 'payments-worker', ...owner('alice', { Environment: 'prod' }) },
    usage: { kind: 'steady', callsPerHour: 40 },
  });
  fleet.addInstance({ ...old(staging, 'eu-west-1'), tags: { Name: 'payments-staging', ...owner('alice') } });
  fleet.addInstance({
    accountId: staging,
    region: 'eu-west-1',
    launchTime: new Date(Date.now() - DAY),
    tags: { Name: 'new-box', ...owner('alice') },
    usage: { kind: 'no-data' },
  });
  fleet.addInstance({
    ...old(prod, 'us-east-1'),
    tags: { Name: 'platform-bastion', ...owner('bob', { team: 'platform' }) },
  });
  fleet.addInstance({
    ...old(data, 'eu-west-1'),
    tags: { Name: 'etl-legacy', ...owner('bob') },
    usage: { kind: 'stopped-using', lastCallDaysAgo: 3, callsPerHour: 12 },
  });
  fleet.addInstance({ ...old(data, 'ap-southeast-2'), tags: { Name: 'orphan-box' } });
  fleet.addInstance({
    ...old(data, 'eu-west-1'),
    tags: { Name: 'already-fine', ...owner('bob') },
    metadata: { httpTokens: 'required' },
  });
  const regressing = fleet.addInstance({
    ...old(prod, 'us-east-1'),
    tags: { Name: 'platform-cache', ...owner('bob') },
    metadata: { httpTokens: 'required' },
  });
  const lt = fleet.addLaunchTemplate({
    accountId: prod,
    region: 'eu-west-1',
    name: 'web-fleet',
    versions: [{ metadataOptions: { httpTokens: 'optional' } }],
  });
  fleet.addAutoScalingGroup({
    accountId: prod,
    region: 'eu-west-1',
    name: 'web-asg',
    launchTemplate: { id: lt.launchTemplateId },
  });
  fleet.addInstance({
    ...old(prod, 'eu-west-1'),
    asg: 'web-asg',
    launchTemplate: { id: lt.launchTemplateId },
    tags: { Name: 'web-asg-node', ...owner('alice') },
  });
  fleet.setAccountDefault(staging, 'eu-west-1', { httpTokens: 'optional' });
  return {
    fleet,
    regress() {
      const i = fleet.instance(regressing.instanceId);
      if (i) i.metadata.httpTokens = 'optional';
    },
  };
}
