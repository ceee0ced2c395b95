import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type Harness, makeWorkflow, startHarness } from '../support/harness.js';

const ACCOUNT = '666666666666';
const REGION = 'us-west-2';
const DAY = 86_400_000;

describe('scan history', () => {
  let h: Harness;
  const fleet = new Fleet({ seed: 3 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 30 * DAY) };
  const willRegress = fleet.addInstance({ ...at, metadata: { httpTokens: 'required' } });
  const willBeFixed = fleet.addInstance({ ...at });
  const willGo = fleet.addInstance({ ...at });
  const stays = fleet.addInstance({ ...at });

  beforeAll(async () => {
    const workflow = makeWorkflow({
      accounts: [{ id: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner` }],
      regions: [REGION],
    });
    h = await startHarness({ fleet, throttle: false, terminatedRetentionMs: 0 }, workflow);
  });
  afterAll(async () => h?.close());

  it('diffs each scan against the previous one: new, fixed, regressed (drift) and gone', async () => {
    const first = await h.scan();
    expect(first.diff).toEqual({ new: 3, fixed: 0, regressed: 0, gone: 0 });

    willRegress.metadata.httpTokens = 'optional';
    willBeFixed.metadata.httpTokens = 'required';
    fleet.terminateInstance(willGo.instanceId);
    const second = await h.scan();

    expect(second.diff).toEqual({ new: 0, fixed: 1, regressed: 1, gone: 1 });
    expect(second.findings.map((f) => f.instanceId).sort()).toEqual(
      [willRegress, willBeFixed, stays].map((i) => i.instanceId).sort(),
    );
    expect(second.mttrSeconds).not.toBeNull();
  });

  it('keeps a history of scans, newest first', async () => {
    const scans = await h.app.store.recentScans(10);
    expect(scans).toHaveLength(2);
    expect(scans[0]?.diff).toEqual({ new: 0, fixed: 1, regressed: 1, gone: 1 });
    expect(scans[1]?.diff.new).toBe(3);
    expect(scans[0]?.trigger).toEqual({ kind: 'cli', by: 'test' });
  });

  it('runs one scan when two are requested for the same scope at once', async () => {
    const trigger = { kind: 'cli' as const, by: 'test' };
    const [a, b] = await Promise.all([h.app.requestScan(trigger), h.app.requestScan(trigger)]);
    expect(a?.scanId).toBe(b?.scanId);
    expect([a?.joined, b?.joined].sort()).toEqual([false, true]);
    await h.app.waitForScan(a.scanId);
    const next = await h.app.requestScan(trigger); // the lock is released when the scan ends
    expect(next.joined).toBe(false);
    await h.app.waitForScan(next.scanId);
  });

  it('takes over the lock of a scan that crashed before it could release it', async () => {
    const lockId = `${h.app.workflow.name}:*:*`;
    await h.app.redis.set(
      `${h.app.config.prefix}:scan-lock:${lockId}`,
      `scan-ghost|${Date.now() - 3600_000}`,
    );
    const { joined, scanId } = await h.app.requestScan({ kind: 'cli', by: 'test' });
    expect(joined).toBe(false);
    expect(scanId).not.toBe('scan-ghost');
    await h.app.waitForScan(scanId);
  });
});
