import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRedisDurability } from '../../src/adapters/redis/redis-policy.js';
import { bulkFlow, readyFleet, resourcesOf } from '../support/bulk-flow.js';
import { type RedisSentinel, startRedisSentinel } from '../support/redis-topologies.js';
import { changeControlWorkflow, slackSeed } from '../support/slack-fixtures.js';
import { type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

const READY = 40;

describe('on a real Sentinel setup (redis+sentinel://), with a failover during a bulk enforcement', () => {
  let s: RedisSentinel;
  let h: SlackHarness;
  const built = readyFleet(READY);

  beforeAll(async () => {
    s = await startRedisSentinel();
    const env = {
      REDIS_URL: s.url,
      IMDS_BOT_PREFIX: `t${randomBytes(4).toString('hex')}`,
      AWS_REGION: 'us-east-1',
      LOG_LEVEL: 'silent',
      METRICS_PORT: '0',
    };
    // each AWS call takes a while, so the failover lands while the bulk is applying
    h = await startSlackHarness(
      built.fleet,
      changeControlWorkflow(),
      slackSeed(),
      'http',
      { latencyMs: 40 },
      env,
    );
    await h.scan();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await s?.stop();
  });

  it('reads the master through the sentinels: noeviction, AOF, one replica', async () => {
    expect(await readRedisDurability(h.app.redis)).toMatchObject({
      maxmemoryPolicy: 'noeviction',
      aof: true,
      replicas: 1,
    });
  });

  it('no change is doubled and no audit entry is lost when the master fails over mid-bulk', async () => {
    const flow = bulkFlow(h);
    const id = await flow.file();
    expect(await flow.approve(id)).toContain('applying now');
    const modified = () => h.emulator.stats().byAction['ec2:ModifyInstanceMetadataOptions'] ?? 0;
    await until(() => (modified() >= 5 ? true : undefined), 'the bulk under way');
    const before = s.primary.port;

    const master = await s.failover();
    expect(master).not.toBe(before);
    expect(modified()).toBeLessThan(READY); // the failover happened while the bulk was applying
    const cr = await flow.applied(id);

    expect(cr?.after).toEqual({ done: READY, failed: 0, total: READY });
    expect(modified()).toBe(READY);
    expect(built.ready.map((i) => built.fleet.instance(i)?.metadata.httpTokens)).toEqual(
      built.ready.map(() => 'required'),
    );
    const entries = await flow.audit(id);
    expect(resourcesOf(entries, 'applied')).toEqual([...built.ready, `bulk:${id}`].sort());
    expect(resourcesOf(entries, 'verified')).toEqual([...built.ready].sort());
    expect((await h.runtime.ctx.audit.verify()).ok).toBe(true);
  });
});
