import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, isCluster, type RedisClient } from '../../src/adapters/redis/connection.js';
import { hashTagOf } from '../../src/adapters/redis/keys.js';
import { describeDurability, readRedisDurability } from '../../src/adapters/redis/redis-policy.js';
import { scanKeys } from '../../src/adapters/redis/scan-keys.js';
import { loadConfig } from '../../src/config/env.js';
import { bulkFlow, readyFleet, resourcesOf } from '../support/bulk-flow.js';
import { type RedisCluster, startRedisCluster } from '../support/redis-topologies.js';
import { changeControlWorkflow, slackSeed } from '../support/slack-fixtures.js';
import { type SlackHarness, startSlackHarness } from '../support/slack-harness.js';

const READY = 20;

describe('on a real 3-master Redis Cluster (redis+cluster://)', () => {
  let cluster: RedisCluster;
  let h: SlackHarness;
  let client: RedisClient;
  const built = readyFleet(READY);
  const name = `t${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    client = connectRedis(cluster.url, 'test');
    const env = {
      REDIS_URL: cluster.url,
      IMDS_BOT_PREFIX: name,
      AWS_REGION: 'us-east-1',
      LOG_LEVEL: 'silent',
      METRICS_PORT: '0',
    };
    h = await startSlackHarness(built.fleet, changeControlWorkflow(), slackSeed(), 'http', {}, env);
    await h.scan();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    client?.disconnect();
    await cluster?.stop();
  });

  it('uses the prefix as a hash tag, and connects with ioredis Cluster', () => {
    expect(loadConfig({ REDIS_URL: cluster.url, IMDS_BOT_PREFIX: name }).prefix).toBe(`{${name}}`);
    expect(loadConfig({ REDIS_URL: cluster.url, IMDS_BOT_PREFIX: `{${name}}-a` }).prefix).toBe(`{${name}}-a`);
    expect(isCluster(h.app.redis)).toBe(true);
  });

  it('runs a bulk enforcement end to end: BullMQ, the change-request and audit scripts, one slot', async () => {
    const flow = bulkFlow(h);
    const id = await flow.file();
    expect(await flow.approve(id)).toContain('applying now');
    const cr = await flow.applied(id);

    expect(cr?.after).toEqual({ done: READY, failed: 0, total: READY });
    expect(h.emulator.stats().byAction['ec2:ModifyInstanceMetadataOptions']).toBe(READY);
    const entries = await flow.audit(id);
    expect(resourcesOf(entries, 'applied')).toEqual([...built.ready, `bulk:${id}`].sort());
    expect((await h.runtime.ctx.audit.verify()).ok).toBe(true);

    // every key of the installation (ours and BullMQ's) hashes to its tag, so to one slot
    const keys = await scanKeys(client, `{${name}}*`);
    expect(keys.some((k) => k.startsWith(`{${name}}:bull:`))).toBe(true);
    expect(keys.some((k) => k === `{${name}}:cr:${id}`)).toBe(true);
    expect(new Set(keys.map(hashTagOf))).toEqual(new Set([name]));
  });

  it('reads the eviction policy and persistence of every master', async () => {
    const d = await readRedisDurability(client);
    expect(d).toMatchObject({ maxmemoryPolicy: 'noeviction', aof: true, masters: 3 });
    expect(describeDurability(d)).toContain('cluster: the worst of 3 masters');
  });
});
