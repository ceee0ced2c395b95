import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type Harness, makeWorkflow, startHarness } from '../support/harness.js';

const ACCOUNT = '616161616161';
const DENIED = '626262626262';

/** Fails instead of hanging: the wait under test must settle well before this. */
function settles<T>(p: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([p, hung]).finally(() => clearTimeout(timer));
}

describe('waiting for a scan', () => {
  let h: Harness;
  const fleet = new Fleet({ seed: 5 });
  fleet.addAccount({ id: ACCOUNT, regions: ['eu-west-1'] });
  fleet.addAccount({ id: DENIED, regions: ['eu-west-1'], denyAssumeRole: true });
  fleet.addInstance({ accountId: ACCOUNT, region: 'eu-west-1' });

  beforeAll(async () => {
    const workflow = makeWorkflow({
      accounts: [ACCOUNT, DENIED].map((id) => ({ id, roleArn: `arn:aws:iam::${id}:role/ImdsBotScanner` })),
      regions: ['eu-west-1'],
    });
    h = await startHarness({ fleet, throttle: false }, workflow);
  });
  afterAll(async () => h?.close());

  it('a scan that ends at once (no scope, or every scope failed while planning) never waits forever', async () => {
    for (let i = 0; i < 15; i++) {
      const filter = i % 2 === 0 ? { accountId: ACCOUNT, region: 'ap-south-2' } : { accountId: DENIED };
      const { scanId } = await h.app.requestScan({ kind: 'cli', by: 'test' }, filter);
      const outcome = await settles(h.app.waitForScan(scanId), `scan ${i} (${JSON.stringify(filter)})`);
      expect(outcome.scanId).toBe(scanId);
      expect(outcome.scopes).toEqual([]);
      expect(outcome.errors.length).toBe(i % 2 === 0 ? 0 : 1);
    }
  });

  it('ten requests at once: one scan runs, the nine others follow it (also while it is still planning)', async () => {
    h.emulator.setActionLatency('AssumeRole', 300); // planning takes a while, as with real STS
    const request = async () => {
      const r = await h.app.requestScan({ kind: 'cli', by: 'test' });
      const outcome = await settles(
        h.app.waitForScan(r.scanId, undefined, r.lockId),
        `follower of ${r.scanId}`,
      );
      return { ...r, outcome };
    };
    const all = await Promise.all(Array.from({ length: 10 }, request));
    h.emulator.setActionLatency('AssumeRole', 0);
    expect(all.filter((r) => !r.joined)).toHaveLength(1);
    expect(new Set(all.map((r) => r.scanId)).size).toBe(1);
    expect(new Set(all.map((r) => JSON.stringify(r.outcome.summary))).size).toBe(1);
    expect(all[0]?.outcome.summary.instances).toBe(1);
  });
});
