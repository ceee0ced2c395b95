import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { makeWorkflow, startHarness } from '../support/harness.js';

/**
 * deploy/iam/scanner-policy.json grants exactly what a scan calls in a member account: a scan
 * that reads every part (regions: all, templates, groups, usage, AMIs) against the emulator
 * makes these calls and no other, so an action the scan stopped calling cannot stay granted and
 * one it started calling cannot be missing.
 */

const ACCOUNT = '575757575757';
const REGION = 'eu-west-1';
const at = { accountId: ACCOUNT, region: REGION };

/** IAM's service prefix for the emulator's (CloudWatch's endpoint is `monitoring`). */
const iamAction = (action: string) => action.replace(/^monitoring:/, 'cloudwatch:');

const scannerActions = (): string[] => {
  const policy = JSON.parse(
    readFileSync(new URL('../../deploy/iam/scanner-policy.json', import.meta.url), 'utf8'),
  ) as {
    Statement: { Action: string[] }[];
  };
  return policy.Statement.flatMap((s) => s.Action).sort();
};

describe('the scanner policy', () => {
  it('grants every call a full scan makes in a member account, and nothing else', async () => {
    const fleet = new Fleet({ seed: 57 });
    // us-east-1: the hub's region, where DescribeRegions is asked
    fleet.addAccount({ id: ACCOUNT, regions: [REGION, 'us-east-1'] });
    const template = fleet.addLaunchTemplate({ ...at, name: 'web', versions: [{}] });
    fleet.addAutoScalingGroup({ ...at, name: 'web', launchTemplate: { id: template.launchTemplateId } });
    fleet.addInstance({ ...at, asg: 'web', usage: { kind: 'steady', callsPerHour: 2 } });
    fleet.addInstance({ ...at, metadata: { httpTokens: 'optional' }, usage: { kind: 'none' } });
    const workflow = makeWorkflow({
      accounts: [{ id: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner` }],
      regions: 'all',
    });
    const h = await startHarness({ fleet, throttle: false }, workflow);
    try {
      const report = await h.scan();
      const called = Object.keys(h.emulator.stats().byAction)
        // the hub's own calls: AssumeRole into the member, and who the hub is
        .filter((a) => !a.startsWith('sts:'))
        .map(iamAction)
        .sort();

      expect(report.errors).toEqual([]);
      expect(called).toEqual(scannerActions());
    } finally {
      await h.close();
    }
  });
});
