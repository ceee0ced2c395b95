import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type RedisServer, startRedisServer } from '../../sandbox/redis-server.js';
import { makeWorkflow, startHarness, testEnv } from '../support/harness.js';

const ACCOUNT = '121212121212';
const ENABLED = ['eu-west-1', 'eu-central-1', 'us-east-1'];
const role = `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner`;

function fleetOf(perRegion: number) {
  const fleet = new Fleet({ seed: 8 });
  fleet.addAccount({ id: ACCOUNT, regions: ENABLED, disabledRegions: ['ap-east-1', 'me-south-1'] });
  for (const region of ENABLED)
    for (let n = 0; n < perRegion; n++) fleet.addInstance({ accountId: ACCOUNT, region });
  return fleet;
}

describe('faults on the AWS side', () => {
  it('retries 5xx answers and still sees every instance', async () => {
    const h = await startHarness(
      { fleet: fleetOf(40), throttle: false, faultRate: 0.25, seed: 4 },
      makeWorkflow({ accounts: [{ id: ACCOUNT, roleArn: role }], regions: ENABLED }),
    );
    try {
      const report = await h.scan();
      expect(h.emulator.stats().faulted).toBeGreaterThan(0);
      expect(report.errors).toEqual([]);
      expect(report.findings).toHaveLength(120);
    } finally {
      await h.close();
    }
  });

  it("reports a listed region the account has not enabled as that scope's error; the rest completes", async () => {
    const h = await startHarness(
      { fleet: fleetOf(2), throttle: false },
      makeWorkflow({ accounts: [{ id: ACCOUNT, roleArn: role }], regions: ['eu-west-1', 'ap-east-1'] }),
    );
    try {
      const report = await h.scan();
      expect(report.errors).toEqual([
        expect.objectContaining({ accountId: ACCOUNT, region: 'ap-east-1', code: 'AuthFailure' }),
      ]);
      expect(report.findings.map((f) => f.region)).toEqual(['eu-west-1', 'eu-west-1']);
    } finally {
      await h.close();
    }
  });

  it('regions: all scans every enabled region (DescribeRegions) and only those', async () => {
    const h = await startHarness(
      { fleet: fleetOf(1), throttle: false },
      makeWorkflow({ accounts: [{ id: ACCOUNT, roleArn: role }], regions: 'all' }),
    );
    try {
      const report = await h.scan();
      expect(report.errors).toEqual([]);
      expect([...new Set(report.findings.map((f) => f.region))].sort()).toEqual([...ENABLED].sort());
    } finally {
      await h.close();
    }
  });

  it('a scan filtered to one account and region touches only that scope', async () => {
    const h = await startHarness(
      { fleet: fleetOf(3), throttle: false },
      makeWorkflow({ accounts: [{ id: ACCOUNT, roleArn: role }], regions: ENABLED }),
    );
    try {
      const report = await h.scan({ accountId: ACCOUNT, region: 'us-east-1' });
      expect(report.findings.map((f) => f.region)).toEqual(['us-east-1', 'us-east-1', 'us-east-1']);
      expect(Object.keys(h.emulator.stats().byScope).filter((k) => k.startsWith(ACCOUNT))).toEqual([
        `${ACCOUNT}:us-east-1`,
      ]);
    } finally {
      await h.close();
    }
  });
});

describe('a Redis restart in the middle of a scan', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
  });
  afterAll(async () => redis?.stop());

  it('loses nothing: the scan finishes with every scope', async () => {
    const regions = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-south-1', 'sa-east-1'];
    const fleet = new Fleet({ seed: 2 });
    fleet.addAccount({ id: ACCOUNT, regions });
    for (const region of regions)
      for (let n = 0; n < 5; n++) fleet.addInstance({ accountId: ACCOUNT, region });
    const workflow = makeWorkflow(
      { accounts: [{ id: ACCOUNT, roleArn: role }], regions },
      { scan: { concurrency: 1 } },
    );
    const h = await startHarness({ fleet, throttle: false, latencyMs: 150 }, workflow, {
      ...testEnv(),
      REDIS_URL: redis.url,
    });
    try {
      const { scanId } = await h.app.requestScan({ kind: 'cli', by: 'test' });
      while ((h.emulator.stats().byAction['ec2:DescribeInstances'] ?? 0) < 2)
        await new Promise((r) => setTimeout(r, 20));
      await redis.restart();
      const outcome = await h.app.waitForScan(scanId);
      expect(outcome.errors).toEqual([]);
      expect(outcome.summary).toMatchObject({ instances: 30, scopes: { scanned: 6, partial: 0, failed: 0 } });
    } finally {
      await h.close();
    }
  });
});
