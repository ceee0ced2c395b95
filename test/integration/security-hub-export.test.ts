// After each scan, with the workflow's exports.securityHub on: the real app (real SDK Security
// Hub client over HTTP, real Redis, real BullMQ scan workers) against the emulator's restJson1
// BatchImportFindings. One finding per laggard; a fixed instance resolved, a terminated one
// archived; throttling ridden out by the SDK; a failed batch or refused findings never fail the
// scan, show in its warnings and metrics, and are sent again next time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import type { ScanOutcome } from '../../src/domain/findings/scan.js';
import { ASFF_REQUIRED } from '../../src/report/asff.js';
import { type Harness, makeWorkflow, startHarness } from '../support/harness.js';

const HUB = '111111111111';
const MEMBER = '222222222222';
const REGION = 'eu-west-1';
const DAY = 86_400_000;
const uid = (instanceId: string) => `imds-bot/${MEMBER}/${REGION}/${instanceId}/imdsv1`;

/** 150 plain laggards, one to fix, one to terminate, and one that always required tokens. */
function buildFleet() {
  const fleet = new Fleet({ seed: 5, hubAccountId: HUB });
  fleet.addAccount({ id: MEMBER, regions: [REGION] });
  const old = new Date(Date.now() - 40 * DAY);
  const add = (extra: Parameters<Fleet['addInstance']>[0] = {}) =>
    fleet.addInstance({ accountId: MEMBER, region: REGION, launchTime: old, ...extra }).instanceId;
  const toFix = add({
    tags: { Name: 'web "1"\n<b>', Owner: 'alice@example.com' },
    iamInstanceProfileArn: `arn:aws:iam::${MEMBER}:instance-profile/web`,
    publicIp: '203.0.113.7',
  });
  const toTerminate = add({ tags: { Owner: 'bob@example.com' } });
  const compliant = add({ metadata: { httpTokens: 'required' } });
  for (let i = 0; i < 150; i++) add();
  return { fleet, toFix, toTerminate, compliant };
}

const workflowFor = (securityHub: Record<string, unknown>) =>
  makeWorkflow(
    { accounts: [{ id: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/ImdsBotScanner` }], regions: [REGION] },
    { exports: { securityHub } },
  );

async function scan(h: Harness): Promise<ScanOutcome> {
  const { scanId } = await h.app.requestScan({ kind: 'cli', by: 'test' });
  return h.app.waitForScan(scanId);
}

async function counted(h: Harness, name: string): Promise<Record<string, number>> {
  const metric = (await h.app.observability.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const out: Record<string, number> = {};
  for (const v of metric?.values ?? []) out[Object.values(v.labels).join(',')] = v.value;
  return out;
}

describe('exports.securityHub: findings to Security Hub after each scan', () => {
  let h: Harness;
  let fleet: ReturnType<typeof buildFleet>;
  const hub = () => h.emulator.fleet.securityHub;

  beforeAll(async () => {
    fleet = buildFleet();
    h = await startHarness({ fleet: fleet.fleet }, workflowFor({ enabled: true, region: 'us-east-1' }));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('imports one finding per laggard, 100 per request, with readiness, owner and v1 use', async () => {
    const outcome = await scan(h);
    expect(outcome.warnings).toBeUndefined();
    expect(hub().all()).toHaveLength(152);
    expect(hub().imports).toBe(2);
    expect(hub().find(uid(fleet.compliant))).toBeUndefined();
    for (const f of hub().all()) for (const key of ASFF_REQUIRED) expect(f[key], key).toBeDefined();
    expect(hub().find(uid(fleet.toFix))).toMatchObject({
      AwsAccountId: MEMBER,
      ProductArn: `arn:aws:securityhub:us-east-1:${HUB}:product/${HUB}/default`,
      Severity: { Label: 'HIGH' },
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
      ProductFields: { 'imds-bot/owner': 'alice@example.com', 'imds-bot/httpTokens': 'optional' },
    });
    const fields = hub().find(uid(fleet.toFix))?.ProductFields as Record<string, string>;
    expect(fields['imds-bot/readiness']).toMatch(/^(ready|in-use|unknown)$/);
    expect(fields).toHaveProperty('imds-bot/noTokenCalls');
    expect(await counted(h, 'imds_bot_security_hub_findings_total')).toMatchObject({ imported: 152 });
    expect(await counted(h, 'imds_bot_security_hub_exports_total')).toMatchObject({ ok: 1 });
  });

  it('the next scan resolves the fixed instance (PASSED) and archives the terminated one', async () => {
    const createdAt = hub().find(uid(fleet.toFix))?.CreatedAt;
    const instance = h.emulator.fleet.instance(fleet.toFix);
    if (!instance) throw new Error('instance missing from the emulator');
    instance.metadata.httpTokens = 'required';
    instance.tokensRequiredSince = Date.now();
    h.emulator.fleet.terminateInstance(fleet.toTerminate);
    const imports = hub().imports;

    const outcome = await scan(h);
    expect(outcome.warnings).toBeUndefined();
    expect(hub().imports - imports).toBe(2);
    expect(hub().all()).toHaveLength(152);
    expect(hub().find(uid(fleet.toFix))).toMatchObject({
      Compliance: { Status: 'PASSED' },
      Workflow: { Status: 'RESOLVED' },
      RecordState: 'ACTIVE',
      CreatedAt: createdAt,
    });
    expect(hub().find(uid(fleet.toTerminate))).toMatchObject({
      RecordState: 'ARCHIVED',
      Workflow: { Status: 'RESOLVED' },
      ProductFields: { 'imds-bot/owner': 'bob@example.com' },
    });
    const open = hub()
      .all()
      .filter((f) => (f.Workflow as { Status: string }).Status === 'NEW');
    expect(open).toHaveLength(150);
  });

  it('a resolved finding is not sent again; a throttled import is retried by the SDK', async () => {
    const resolvedAt = hub().find(uid(fleet.toFix))?.UpdatedAt;
    h.emulator.setOperationFault('securityhub:BatchImportFindings', 'throttled', 1);
    const imports = hub().imports;
    const outcome = await scan(h);
    expect(outcome.warnings).toBeUndefined();
    expect(hub().imports - imports).toBe(2); // 150 laggards: two requests (the throttled one never counted)
    expect(hub().find(uid(fleet.toFix))?.UpdatedAt).toBe(resolvedAt);
    expect(await counted(h, 'imds_bot_aws_calls_total')).toMatchObject({
      'securityhub,BatchImportFindings,throttled': 1,
    });
  });

  it('a batch that fails for good is a warning of the scan, counted, and sent again at the next scan', async () => {
    const instance = h.emulator.fleet.instance(fleet.toFix);
    if (!instance) throw new Error('instance missing from the emulator');
    instance.metadata.httpTokens = 'optional'; // regressed: FAILED again, Security Hub reopens it
    h.emulator.setOperationFault('securityhub:BatchImportFindings', 'access-denied', 1);
    const failed = await scan(h);
    expect(failed.summary.laggards).toBe(151);
    expect(failed.errors).toEqual([]);
    expect(failed.warnings).toHaveLength(1);
    expect(failed.warnings?.[0]).toMatch(/^Security Hub export: a batch failed: .*HTTP 403 AccessDenied/);
    expect(await counted(h, 'imds_bot_security_hub_findings_total')).toMatchObject({ unsent: 100 });
    expect(await counted(h, 'imds_bot_security_hub_exports_total')).toMatchObject({ partial: 1 });

    const again = await scan(h);
    expect(again.warnings).toBeUndefined();
    expect(hub().find(uid(fleet.toFix))).toMatchObject({
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'NEW' },
    });
  });
});

describe('exports.securityHub: findings Security Hub refuses', () => {
  let h: Harness;

  beforeAll(async () => {
    const fleet = new Fleet({ seed: 6, hubAccountId: HUB });
    fleet.addAccount({ id: MEMBER, regions: [REGION] });
    for (let i = 0; i < 3; i++) fleet.addInstance({ accountId: MEMBER, region: REGION });
    // an importing account that is not the caller's: every finding's ProductArn is refused
    const workflow = workflowFor({ enabled: true, region: 'us-east-1', accountId: '999999999999' });
    h = await startHarness({ fleet }, workflow);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists them in the warnings (FailedFindings), keeps the scan, and tries them again next scan', async () => {
    const outcome = await scan(h);
    expect(outcome.summary.laggards).toBe(3);
    expect(outcome.warnings).toEqual([
      expect.stringMatching(
        /^Security Hub export: 3 finding\(s\) refused \(first: imds-bot\/.*InvalidInput ProductArn must be/,
      ),
    ]);
    expect(h.emulator.fleet.securityHub.all()).toHaveLength(0);
    expect(await counted(h, 'imds_bot_security_hub_findings_total')).toMatchObject({
      refused: 3,
      imported: 0,
    });
    expect(await counted(h, 'imds_bot_security_hub_exports_total')).toMatchObject({ failed: 1 });
    const next = await scan(h);
    expect(next.warnings?.[0]).toMatch(/3 finding\(s\) refused/);
  });
});
