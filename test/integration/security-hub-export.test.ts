import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { createSecurityHubExport, type SecurityHubExport } from '../../src/adapters/aws/security-hub.js';
import { ASFF_REQUIRED } from '../../src/report/asff.js';
import { type Harness, makeWorkflow, startHarness } from '../support/harness.js';

const HUB = '111111111111';
const MEMBER = '222222222222';
const REGION = 'eu-west-1';
const DAY = 86_400_000;

/** 240 laggards in a member account (three import batches) and one instance that is fixed later. */
function buildFleet() {
  const fleet = new Fleet({ seed: 5, hubAccountId: HUB });
  fleet.addAccount({ id: MEMBER, regions: [REGION] });
  const old = new Date(Date.now() - 40 * DAY);
  const fixedLater = fleet.addInstance({
    accountId: MEMBER,
    region: REGION,
    launchTime: old,
    tags: { Name: 'web "1"\n<b>', Owner: 'alice@example.com' },
    iamInstanceProfileArn: `arn:aws:iam::${MEMBER}:instance-profile/web`,
    publicIp: '203.0.113.7',
  }).instanceId;
  for (let i = 0; i < 239; i++) fleet.addInstance({ accountId: MEMBER, region: REGION, launchTime: old });
  return { fleet, fixedLater };
}

describe('export to Security Hub (BatchImportFindings against the emulator)', () => {
  let h: Harness;
  let exporter: SecurityHubExport;
  let fixedLater: string;
  const workflow = makeWorkflow({
    accounts: [{ id: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/ImdsBotScanner` }],
    regions: [REGION],
  });

  beforeAll(async () => {
    const built = buildFleet();
    fixedLater = built.fixedLater;
    h = await startHarness({ fleet: built.fleet }, workflow);
    exporter = createSecurityHubExport({ region: 'us-east-1', sts: h.app.clients.sts });
  });
  afterAll(async () => {
    exporter?.close();
    await h?.close();
  });

  it('imports one finding per instance, in batches of 100, each with every required attribute', async () => {
    const report = await h.scan();
    const result = await exporter.export(report);
    expect(result).toEqual({ imported: 240, failed: [], batchErrors: [] });
    const stored = h.emulator.fleet.securityHub.all();
    expect(stored).toHaveLength(240);
    expect(h.emulator.fleet.securityHub.imports).toBe(3);
    for (const f of stored) for (const key of ASFF_REQUIRED) expect(f[key], key).toBeDefined();
    const risky = h.emulator.fleet.securityHub.find(`imds-bot/${MEMBER}/${REGION}/${fixedLater}/imdsv1`);
    expect(risky).toMatchObject({
      AwsAccountId: MEMBER,
      ProductArn: `arn:aws:securityhub:us-east-1:${HUB}:product/${HUB}/default`,
      Severity: { Label: 'HIGH' },
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'NEW' },
    });
  });

  it('a re-export after a fix updates the same findings and Security Hub resolves the fixed one', async () => {
    const before = h.emulator.fleet.securityHub.find(`imds-bot/${MEMBER}/${REGION}/${fixedLater}/imdsv1`);
    const instance = h.emulator.fleet.instance(fixedLater);
    if (!instance) throw new Error('instance missing from the emulator');
    instance.metadata.httpTokens = 'required';
    instance.tokensRequiredSince = Date.now();
    const result = await exporter.export(await h.scan());
    expect(result.imported).toBe(240);
    expect(h.emulator.fleet.securityHub.all()).toHaveLength(240);
    const after = h.emulator.fleet.securityHub.find(`imds-bot/${MEMBER}/${REGION}/${fixedLater}/imdsv1`);
    expect(after).toMatchObject({ Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } });
    expect(after?.CreatedAt).toBe(before?.CreatedAt);
  });

  it('rides out a brief outage (the SDK retries the 503) and reports a refused batch without losing the rest', async () => {
    h.emulator.setOperationFault('securityhub:BatchImportFindings', 'unavailable', 1);
    const report = await h.scan();
    expect((await exporter.export(report)).imported).toBe(240);
    h.emulator.setOperationFault('securityhub:BatchImportFindings', 'access-denied', 1);
    const partial = await exporter.export(report);
    expect(partial.imported).toBe(140);
    expect(partial.batchErrors).toHaveLength(1);
    expect(partial.batchErrors[0]).toMatch(/BatchImportFindings HTTP 403 AccessDenied/);
  });
});
