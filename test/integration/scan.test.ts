import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import type { Finding } from '../../src/domain/findings/model.js';
import type { Report } from '../../src/report/report.js';
import { type Harness, makeWorkflow, startHarness } from '../support/harness.js';

const MEMBER_A = '222222222222';
const MEMBER_B = '333333333333';
const DENIED = '444444444444';
const REGIONS = ['eu-west-1', 'us-east-1'];
const DAY = 86_400_000;

/** A hand-made organization: every situation the scan must recognise, in known places. */
function buildFleet() {
  const fleet = new Fleet({ seed: 11 });
  fleet.addAccount({ id: MEMBER_A, regions: REGIONS, externalId: 'ext-a' });
  fleet.addAccount({ id: MEMBER_B, regions: [...REGIONS, 'ap-south-1'] });
  fleet.addAccount({ id: DENIED, regions: REGIONS, denyAssumeRole: true });
  const at = { accountId: MEMBER_A, region: 'eu-west-1' };
  const old = new Date(Date.now() - 40 * DAY);
  const ids = {
    ready: fleet.addInstance({
      ...at,
      launchTime: old,
      tags: { Name: 'web-1', Owner: 'alice@example.com', Environment: 'prod' },
      iamInstanceProfileArn: 'arn:aws:iam::222222222222:instance-profile/web',
      publicIp: '203.0.113.7',
    }).instanceId,
    inUse: fleet.addInstance({
      ...at,
      launchTime: old,
      tags: { Name: 'legacy', team: 'payments' },
      usage: { kind: 'steady', callsPerHour: 12 },
    }).instanceId,
    young: fleet.addInstance({
      ...at,
      launchTime: new Date(Date.now() - 2 * DAY),
      tags: { OwnerEmail: 'bob@example.com' },
    }).instanceId,
    noData: fleet.addInstance({ ...at, launchTime: old, usage: { kind: 'no-data' } }).instanceId,
    compliant: fleet.addInstance({
      ...at,
      launchTime: old,
      metadata: { httpTokens: 'required' },
      tags: { Owner: 'alice@example.com' },
    }).instanceId,
    disabled: fleet.addInstance({ ...at, launchTime: old, metadata: { httpEndpoint: 'disabled' } })
      .instanceId,
    stopped: fleet.addInstance({
      ...at,
      launchTime: old,
      state: 'stopped',
      stoppedAt: new Date(Date.now() - 20 * DAY),
    }).instanceId,
  };
  const unfixed = fleet.addLaunchTemplate({
    ...at,
    name: 'unfixed',
    versions: [{ metadataOptions: { httpTokens: 'optional' } }],
  });
  const fixed = fleet.addLaunchTemplate({
    ...at,
    name: 'fixed',
    versions: [{}, { metadataOptions: { httpTokens: 'required' } }],
    defaultVersion: 2,
  });
  fleet.addAutoScalingGroup({ ...at, name: 'asg-unfixed', launchTemplate: { id: unfixed.launchTemplateId } });
  fleet.addAutoScalingGroup({
    ...at,
    name: 'asg-fixed',
    launchTemplate: { id: fixed.launchTemplateId, version: '$Latest' },
  });
  const inAsg = {
    unfixed: fleet.addInstance({
      ...at,
      launchTime: old,
      asg: 'asg-unfixed',
      launchTemplate: { id: unfixed.launchTemplateId },
    }).instanceId,
    fixed: fleet.addInstance({
      ...at,
      launchTime: old,
      asg: 'asg-fixed',
      launchTemplate: { id: fixed.launchTemplateId, version: 1 },
    }).instanceId,
  };
  fleet.addInstance({
    accountId: MEMBER_A,
    region: 'us-east-1',
    launchTime: old,
    tags: { 'eks:cluster-name': 'prod-eks' },
  });
  fleet.setAccountDefault(MEMBER_A, 'us-east-1', { httpTokens: 'required' });
  fleet.setAccountDefault(MEMBER_B, 'eu-west-1', { httpTokens: 'required', managedBy: 'declarative-policy' });
  for (let n = 0; n < 3; n++)
    fleet.addInstance({ accountId: MEMBER_B, region: 'us-east-1', launchTime: old });
  // MEMBER_B eu-west-1 stays empty
  return { fleet, ids, inAsg };
}

const byId = (r: Report) => new Map<string, Finding>(r.findings.map((f) => [f.instanceId, f]));
const accounts = [
  { id: MEMBER_A, roleArn: `arn:aws:iam::${MEMBER_A}:role/ImdsBotScanner`, externalId: 'ext-a' },
  { id: MEMBER_B, roleArn: `arn:aws:iam::${MEMBER_B}:role/ImdsBotScanner` },
  { id: DENIED, roleArn: `arn:aws:iam::${DENIED}:role/ImdsBotScanner` },
];

describe('a scan over accounts and regions', () => {
  let h: Harness;
  let built: ReturnType<typeof buildFleet>;
  let report: Report;

  beforeAll(async () => {
    built = buildFleet();
    h = await startHarness(
      { fleet: built.fleet, metadataApplyDelayMs: 0 },
      makeWorkflow({ accounts, regions: REGIONS }),
    );
    report = await h.scan();
  });
  afterAll(async () => h?.close());

  it('classifies every instance by its metadata options and real IMDSv1 use', () => {
    const f = byId(report);
    const { ids } = built;
    expect(f.get(ids.ready)?.readiness).toBe('ready');
    expect(f.get(ids.inUse)?.readiness).toBe('in-use');
    expect(f.get(ids.inUse)?.usage?.noTokenCalls).toBeGreaterThan(0);
    expect(f.get(ids.inUse)?.usage?.lastSeen).not.toBeNull();
    expect(f.get(ids.young)?.readiness).toBe('unknown');
    expect(f.get(ids.noData)?.readiness).toBe('unknown');
    expect(f.get(ids.compliant)?.readiness).toBe('compliant');
    expect(f.get(ids.disabled)).toMatchObject({ readiness: 'imds-disabled', usage: null });
    expect(f.get(ids.stopped)?.state).toBe('stopped');
  });

  it('names owners from tags in priority order and marks unowned instances', () => {
    const f = byId(report);
    expect(f.get(built.ids.ready)).toMatchObject({ owner: 'alice@example.com', ownerTag: 'Owner' });
    expect(f.get(built.ids.inUse)).toMatchObject({ owner: 'payments', ownerTag: 'team' });
    expect(f.get(built.ids.young)).toMatchObject({ owner: 'bob@example.com', ownerTag: 'OwnerEmail' });
    expect(f.get(built.ids.noData)).toMatchObject({ owner: null, ownerTag: null });
  });

  it('adds risk hints: IAM role, public IP, prod, container host', () => {
    const f = byId(report);
    expect(f.get(built.ids.ready)?.risk).toEqual({
      iamRole: true,
      publicIp: true,
      prod: true,
      containerHost: null,
    });
    const eks = report.findings.find((x) => x.region === 'us-east-1' && x.accountId === MEMBER_A);
    expect(eks?.risk.containerHost).toBe('eks');
  });

  it('marks instances that an Auto Scaling group will replace from an unfixed template', () => {
    const f = byId(report);
    expect(f.get(built.inAsg.unfixed)).toMatchObject({
      asg: 'asg-unfixed',
      templateRisk: 'asg-unfixed-template',
    });
    expect(f.get(built.inAsg.fixed)).toMatchObject({ asg: 'asg-fixed', templateRisk: 'asg-fixed-template' });
    expect(report.launchTemplates.map((t) => [t.name, t.enforcing]).sort()).toEqual([
      ['fixed', true],
      ['unfixed', false],
    ]);
  });

  it('reads the account defaults, including organization-managed ones', () => {
    const d = report.accountDefaults.find((x) => x.accountId === MEMBER_B && x.region === 'eu-west-1');
    expect(d).toMatchObject({ httpTokens: 'required', managedBy: 'declarative-policy', enforcing: true });
    const notEnforcing = report.accountDefaults
      .filter((x) => !x.enforcing)
      .map((x) => `${x.accountId}:${x.region}`);
    expect(notEnforcing.sort()).toEqual([`${MEMBER_A}:eu-west-1`, `${MEMBER_B}:us-east-1`]);
  });

  it('reports the denied account as one error and completes the rest, empty regions included', () => {
    expect(report.errors).toEqual([
      expect.objectContaining({
        accountId: DENIED,
        region: null,
        stage: 'credentials',
        code: 'AccessDenied',
      }),
    ]);
    expect(report.summary.scopes).toEqual({ scanned: 4, partial: 0, failed: 1 });
    expect(report.findings.filter((x) => x.accountId === MEMBER_B && x.region === 'eu-west-1')).toEqual([]);
    expect(report.findings.filter((x) => x.accountId === MEMBER_B)).toHaveLength(3);
  });

  it('assumes each member role once, whatever the number of regions', () => {
    const calls = h.emulator.stats().byAction;
    expect(calls['sts:AssumeRole']).toBe(accounts.length);
  });

  it('summarises the fleet', () => {
    const s = report.summary;
    expect(s.instances).toBe(report.findings.length);
    expect(s.byReadiness.compliant + s.byReadiness['imds-disabled'] + s.laggards).toBe(s.instances);
    expect(s.launchTemplates).toEqual({ total: 2, notEnforcing: 1 });
  });
});
