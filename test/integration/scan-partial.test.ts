import { describe, expect, it } from 'vitest';
import type { OperationFault } from '../../sandbox/aws/faults.js';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { makeWorkflow, startHarness } from '../support/harness.js';

/**
 * A part of a scope (launch templates, ASGs, the account default, usage) that an AWS-compatible
 * peer does not implement or does not allow: the scope keeps its instances and says what is missing.
 */

const ACCOUNT = '121212121212';
const REGION = 'eu-west-1';
const role = `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner`;
const OLD = new Date(Date.now() - 40 * 86_400_000);

/** `count` instances; with `asg`, launched by one Auto Scaling group (so its groups are read) */
function fleetOf(count: number, asg = false) {
  const fleet = new Fleet({ seed: 8 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  if (asg)
    fleet.addAutoScalingGroup({
      accountId: ACCOUNT,
      region: REGION,
      name: 'web',
      launchConfigurationName: 'web-lc',
    });
  for (let n = 0; n < count; n++)
    fleet.addInstance({
      accountId: ACCOUNT,
      region: REGION,
      launchTime: OLD,
      ...(asg ? { asg: 'web' } : {}),
    });
  return fleet;
}

async function scanWith(operationFaults: Record<string, OperationFault>, count = 30, asg = false) {
  const h = await startHarness(
    { fleet: fleetOf(count, asg), throttle: false, operationFaults },
    makeWorkflow({ accounts: [{ id: ACCOUNT, roleArn: role }], regions: [REGION] }),
  );
  try {
    return { report: await h.scan(), stats: h.emulator.stats() };
  } finally {
    await h.close();
  }
}

describe('a part the peer does not answer', () => {
  it('GetInstanceMetadataDefaults answering an HTML 500: 30 instances kept, one partial error, few calls', async () => {
    const { report, stats } = await scanWith({ 'ec2:GetInstanceMetadataDefaults': 'html-500' });

    expect(report.findings).toHaveLength(30);
    expect(report.summary.instances).toBe(30);
    expect(report.summary.scopes).toEqual({ scanned: 0, partial: 1, failed: 0 });
    expect(report.errors).toEqual([
      expect.objectContaining({
        accountId: ACCOUNT,
        region: REGION,
        stage: 'account-default',
        partial: true,
        operation: 'GetInstanceMetadataDefaults',
        httpStatus: 500,
        code: 'NonAwsResponse',
      }),
    ]);
    const message = report.errors[0]?.message ?? '';
    for (const part of ['GetInstanceMetadataDefaults', ACCOUNT, REGION, 'HTTP 500', 'non-AWS response body'])
      expect(message).toContain(part);
    expect(message).toContain('<html> <head><title>500 Internal Server Error');
    expect(message).not.toMatch(/parse error|Deserialization/i);
    // the SDK's own attempts, not 5 more job attempts on top
    expect(stats.byAction['ec2:GetInstanceMetadataDefaults']).toBeLessThanOrEqual(5);
    expect(stats.byAction['ec2:DescribeInstances']).toBe(1);
  });

  it('GetMetricData denied: the instances that allow IMDSv1 are unknown, with the reason, never ready', async () => {
    const { report, stats } = await scanWith({ 'monitoring:GetMetricData': 'access-denied' }, 5);

    expect(report.findings).toHaveLength(5);
    expect(report.findings.map((f) => f.readiness)).toEqual(Array(5).fill('unknown'));
    for (const f of report.findings) {
      expect(f.usage).toBeNull();
      expect(f.readinessReason).toMatch(
        /^usage unreadable: GetMetricData .*121212121212\/eu-west-1: HTTP 403 AccessDenied/,
      );
    }
    expect(report.errors).toEqual([
      expect.objectContaining({
        stage: 'usage',
        partial: true,
        code: 'AccessDenied',
        operation: 'GetMetricData',
        httpStatus: 403,
      }),
    ]);
    expect(report.errors[0]?.message).toContain(`${ACCOUNT}/${REGION}`);
    expect(report.summary.scopes).toEqual({ scanned: 0, partial: 1, failed: 0 });
    expect(stats.byAction['monitoring:GetMetricData']).toBe(1);
  });

  it.each([
    {
      operation: 'ec2:DescribeLaunchTemplateVersions',
      fault: 'unsupported-operation',
      stage: 'launch-templates',
      code: 'UnsupportedOperation',
      httpStatus: 400,
    },
    {
      operation: 'autoscaling:DescribeAutoScalingGroups',
      fault: 'invalid-action',
      stage: 'auto-scaling',
      code: 'InvalidAction',
      httpStatus: 400,
    },
    {
      operation: 'ec2:GetInstanceMetadataDefaults',
      fault: 'access-denied',
      stage: 'account-default',
      code: 'UnauthorizedOperation',
      httpStatus: 403,
    },
  ] as const)('$operation answering $code: a partial error on $stage, every instance kept', async (c) => {
    // in a group: a scope whose instances no group launched does not read the groups at all
    const { report, stats } = await scanWith({ [c.operation]: c.fault }, 4, true);

    expect(report.findings.map((f) => f.readiness)).toEqual(Array(4).fill('ready'));
    expect(report.errors).toEqual([
      expect.objectContaining({
        accountId: ACCOUNT,
        region: REGION,
        stage: c.stage,
        partial: true,
        code: c.code,
        operation: c.operation.split(':')[1],
        httpStatus: c.httpStatus,
      }),
    ]);
    expect(report.errors[0]?.message).toContain(`HTTP ${c.httpStatus} ${c.code}`);
    expect(report.summary.scopes).toEqual({ scanned: 0, partial: 1, failed: 0 });
    expect(stats.byAction[c.operation]).toBe(1);
  });
});

describe('the inventory itself', () => {
  it('DescribeInstances answering an HTML 500 fails the scope at once: no "100%", and it says so', async () => {
    const { report, stats } = await scanWith({ 'ec2:DescribeInstances': 'html-500' }, 3);

    expect(report.findings).toEqual([]);
    expect(report.summary).toMatchObject({ instances: 0, percentCompliant: null });
    expect(report.summary.scopes).toEqual({ scanned: 0, partial: 0, failed: 1 });
    expect(report.errors).toEqual([
      expect.objectContaining({
        stage: 'inventory',
        partial: false,
        code: 'NonAwsResponse',
        operation: 'DescribeInstances',
        httpStatus: 500,
      }),
    ]);
    expect(stats.byAction['ec2:DescribeInstances']).toBeLessThanOrEqual(5);
  });

  it('a retried scope job reads again only what failed: the parts already read are reused', async () => {
    const h = await startHarness(
      { fleet: fleetOf(6), throttle: false },
      makeWorkflow({ accounts: [{ id: ACCOUNT, roleArn: role }], regions: [REGION] }),
    );
    try {
      // one whole attempt: the SDK's 5 tries of DescribeInstances all answer 503
      h.emulator.setOperationFault('ec2:DescribeInstances', 'unavailable', 5);
      const report = await h.scan();

      expect(report.errors).toEqual([]);
      expect(report.findings).toHaveLength(6);
      const calls = h.emulator.stats().byAction;
      expect(calls['ec2:DescribeInstances']).toBe(6);
      expect(calls['ec2:GetInstanceMetadataDefaults']).toBe(1);
      expect(calls['ec2:DescribeLaunchTemplateVersions']).toBe(1);
    } finally {
      await h.close();
    }
  });
});
