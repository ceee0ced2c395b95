import { describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { makeWorkflow, startHarness } from '../support/harness.js';

const ACCOUNT = '555555555555';
const REGION = 'eu-west-1';
const DAY = 86_400_000;

/** 1,200 instances in one region: 1,100 accept IMDSv1, every 10th of those still uses it. */
function bigRegion() {
  const fleet = new Fleet({ seed: 5 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const old = new Date(Date.now() - 30 * DAY);
  for (let n = 0; n < 1200; n++) {
    fleet.addInstance({
      accountId: ACCOUNT,
      region: REGION,
      launchTime: old,
      metadata: { httpTokens: n < 1100 ? 'optional' : 'required' },
      usage: n < 1100 && n % 10 === 0 ? { kind: 'steady', callsPerHour: 3 } : { kind: 'none' },
      tags: { Owner: `owner-${n % 7}@example.com` },
    });
  }
  return fleet;
}

const workflow = () =>
  makeWorkflow({
    accounts: [{ id: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner` }],
    regions: [REGION],
  });

describe('a region larger than one page', () => {
  it('pages DescribeInstances by 1000 and batches GetMetricData by 500 queries, at the lower bound', async () => {
    const h = await startHarness({ fleet: bigRegion(), throttle: false }, workflow());
    try {
      const report = await h.scan();
      expect(report.findings).toHaveLength(1200);
      expect(report.summary.byReadiness).toMatchObject({ compliant: 100, 'in-use': 110, ready: 990 });
      const calls = h.emulator.stats().byAction;
      expect(calls['ec2:DescribeInstances']).toBe(2); // ceil(1200 / 1000)
      expect(calls['monitoring:GetMetricData']).toBe(3); // ceil(1100 / 500)
      expect(calls['sts:AssumeRole']).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('rides out throttling (RequestLimitExceeded, CloudWatch Throttling) to the same result', async () => {
    const fleet = bigRegion();
    const calm = await startHarness({ fleet, throttle: false }, workflow());
    const expected = (await calm.scan()).findings.map((f) => ({ ...f }));
    await calm.close();

    const tight = { burst: 1, refillPerSecond: 2 };
    const stormy = await startHarness(
      { fleet, throttle: { ec2Describe: tight, cloudWatch: tight, autoScaling: tight } },
      workflow(),
    );
    try {
      const report = await stormy.scan();
      expect(stormy.emulator.stats().throttled).toBeGreaterThan(0);
      expect(report.errors).toEqual([]);
      expect(report.findings).toEqual(expected);
    } finally {
      await stormy.close();
    }
  });
});
