import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationFault } from '../../sandbox/aws/faults.js';
import { reportCommand } from '../../src/cli/report.js';
import {
  BATCH_LT,
  guardrailsFleet,
  LEGACY_AMI,
  PROD,
  REGION,
  SANDBOX,
  V2_AMI,
  WEB_LT,
} from '../support/guardrails-fleet.js';
import { type Harness, makeWorkflow, startHarness } from '../support/harness.js';

/**
 * The scan loads the guardrail facts: the organization's policies once per scan (organizations
 * mode), and per account × region the groups with the template version each launches and the
 * ImdsSupport of the AMIs in use. A peer that does not answer one of these loses only that part.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const orgWorkflow = () =>
  makeWorkflow({ accounts: { organization: { roleName: 'ImdsBotScanner' } }, regions: [REGION] });

async function scan(operationFaults: Record<string, OperationFault> = {}) {
  const g = guardrailsFleet();
  h = await startHarness({ fleet: g.fleet, throttle: false, operationFaults }, orgWorkflow());
  const report = await h.scan();
  const sandbox = await h.app.store.getSnapshot({ accountId: SANDBOX, region: REGION });
  return { g, report, sandbox, org: await h.app.organization.latest(), stats: h.emulator.stats() };
}

describe('guardrail facts loaded by the scan', () => {
  it('stores the groups, the templates with $Latest, the AMIs in use and the organization policies', async () => {
    const { g, report, sandbox, org, stats } = await scan();

    expect(report.errors).toEqual([]);
    expect(sandbox?.autoScalingGroups?.map((a) => [a.name, a.launches])).toEqual([
      ['batch-asg', { version: 1, httpTokens: null }],
      ['web-asg', { version: 2, httpTokens: 'required' }],
    ]);
    const web = sandbox?.launchTemplates.find((t) => t.launchTemplateId === WEB_LT);
    expect(web).toMatchObject({
      httpTokens: 'optional',
      imageId: LEGACY_AMI,
      latest: { httpTokens: 'required', imageId: V2_AMI },
    });
    expect(sandbox?.launchTemplates.find((t) => t.launchTemplateId === BATCH_LT)?.latest).toBeUndefined();
    expect(sandbox?.images).toEqual([
      { imageId: LEGACY_AMI, name: 'legacy-<al2>', imdsSupport: null },
      { imageId: V2_AMI, name: 'al2023', imdsSupport: 'v2.0' },
    ]);
    expect(sandbox?.findings.filter((f) => g.laggards.includes(f.instanceId)).map((f) => f.imageId)).toEqual([
      LEGACY_AMI,
      LEGACY_AMI,
    ]);
    expect(sandbox?.findings.find((f) => f.instanceId === g.laggards[0])?.ami).toEqual({
      imageId: LEGACY_AMI,
      name: 'legacy-<al2>',
      imdsSupport: null,
    });
    // one DescribeImages for the sandbox's AMIs, none for prod (no laggard, no template)
    expect(stats.byAction['ec2:DescribeImages']).toBe(1);
    expect(org?.scanId).toBe(report.scanId);
    expect(org?.policies.map((p) => [p.name, p.type])).toEqual([
      ['require-imdsv2-at-launch', 'SERVICE_CONTROL_POLICY'],
      ['imds-defaults', 'DECLARATIVE_POLICY_EC2'],
    ]);
    expect(org?.accounts.map((a) => a.id).sort()).toEqual(expect.arrayContaining([PROD, SANDBOX]));
    expect(stats.byAction['organizations:ListPolicies']).toBe(2);
    const prod = await h?.app.store.getSnapshot({ accountId: PROD, region: REGION });
    expect(prod?.accountDefault?.managedBy).toBe('declarative-policy');
  });

  it('imds-bot report prints the guardrails section, terminal-safe', async () => {
    await scan();
    const out = new PassThrough();
    const err = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => {
      text += c.toString();
    });
    const code = await reportCommand(
      (h as Harness).app,
      { format: 'table', limit: 10, output: undefined },
      out,
      err,
    );
    expect(code).toBe(0);
    expect(text).toContain('Guardrails\n  Instances allowing IMDSv1: 2');
    expect(text).toMatch(/SCP blocking IMDSv1 launches: 1 of \d+ accounts/);
    expect(text).toContain(`template batch ${BATCH_LT} v1 (default): HttpTokens not set; groups: batch-asg`);
    expect(text).toContain(`${LEGACY_AMI} legacy-<al2>: 2 laggard(s)`);
    expect(text).toContain('OUs with no protection:');
  });

  it.each([
    ['an HTML 500', 'html-500'],
    ['InvalidAction', 'invalid-action'],
  ] as const)(
    'DescribeImages answering %s: every instance kept, the AMIs a partial error',
    async (_l, fault) => {
      const { report, sandbox } = await scan({ 'ec2:DescribeImages': fault });

      expect(report.findings).toHaveLength(4);
      expect(sandbox?.images).toEqual([]);
      expect(sandbox?.autoScalingGroups).toHaveLength(2);
      expect(report.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            accountId: SANDBOX,
            stage: 'images',
            partial: true,
            operation: 'DescribeImages',
          }),
        ]),
      );
      expect(report.summary.scopes.failed).toBe(0);
    },
  );

  it('ListPolicies denied: the scan completes with every instance, the organization part says what is missing', async () => {
    const { report, org } = await scan({ 'organizations:ListPolicies': 'access-denied' });

    expect(report.findings).toHaveLength(4);
    expect(report.summary.scopes.failed).toBe(0);
    expect(report.errors).toEqual([
      expect.objectContaining({
        accountId: 'organization',
        stage: 'organization-policies',
        code: 'AccessDenied',
        partial: true,
      }),
      expect.objectContaining({
        accountId: 'organization',
        stage: 'organization-policies',
        code: 'AccessDenied',
        partial: true,
      }),
    ]);
    expect(org?.policies).toEqual([]);
    expect(org?.units.map((u) => u.name)).toEqual(['Root', 'prod', 'sandbox']);
  });

  it('the tree itself unreadable (ListRoots HTML 500): a partial error, the instances all there', async () => {
    const { report, org } = await scan({ 'organizations:ListRoots': 'html-500' });

    expect(report.findings).toHaveLength(4);
    expect(report.errors).toEqual([
      expect.objectContaining({ stage: 'organization-policies', code: 'NonAwsResponse', partial: true }),
    ]);
    expect(org).toBeNull();
  });

  it('a list of accounts (not organizations mode) reads no organization policy', async () => {
    const g = guardrailsFleet();
    h = await startHarness(
      { fleet: g.fleet, throttle: false },
      makeWorkflow({
        accounts: [{ id: SANDBOX, roleArn: `arn:aws:iam::${SANDBOX}:role/ImdsBotScanner` }],
        regions: [REGION],
      }),
    );
    const report = await h.scan();
    expect(report.errors).toEqual([]);
    expect(h.emulator.stats().byAction['organizations:ListPolicies']).toBeUndefined();
    expect(await h.app.organization.latest()).toBeNull();
  });
});
