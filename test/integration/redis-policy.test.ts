import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../sandbox/redis-server.js';
import { runCli } from '../support/cli-process.js';

const workflow = () => {
  const file = join(mkdtempSync(join(tmpdir(), 'imds-policy-')), 'workflow.yaml');
  writeFileSync(
    file,
    'version: 1\nname: policy\nscope:\n  accounts:\n    - id: "777777777777"\n      roleArn: arn:aws:iam::777777777777:role/ImdsBotScanner\n  regions: [eu-west-1]\n',
  );
  return file;
};

/** the line `worker`/`serve` print once they run */
const STARTED = /imds-bot (worker|serve).* running/;
const ours = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('imds-bot'));

const envFor = (redis: RedisServer) => ({
  ...(process.env as Record<string, string>),
  REDIS_URL: redis.url,
  IMDS_BOT_PREFIX: 'policy',
  LOG_LEVEL: 'silent',
  WORKFLOW_FILE: workflow(),
  SLACK_BOT_TOKEN: '',
  METRICS_PORT: '0',
});

/**
 * Seen: with maxmemory-policy allkeys-lru at 20 MB, Redis evicted the audit stream and a change
 * request. The bot now reads the policy (CONFIG GET, or INFO where CONFIG is disabled) at start.
 */
describe('a Redis that can lose data', () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it('worker and serve refuse to start on allkeys-lru, in one line; health reports it', async () => {
    redis = await startRedisServer({
      persistent: true,
      extraArgs: ['--maxmemory', '20mb', '--maxmemory-policy', 'allkeys-lru'],
    });
    const env = envFor(redis);
    for (const command of ['worker', 'serve']) {
      const r = await runCli(env, [command], { untilStderr: STARTED });
      expect(r.code).toBe(2);
      expect(ours(r.stderr)).toEqual([
        'imds-bot: refusing to start: Redis maxmemory-policy is "allkeys-lru": it may evict change requests and the audit trail; set maxmemory-policy noeviction (docker/redis.conf) and start again.',
      ]);
    }
    const h = await runCli(env, ['health']);
    expect(h.code).toBe(1);
    expect(h.stdout).toContain('maxmemory-policy allkeys-lru (REFUSED: must be noeviction), AOF on');
  }, 60_000);

  it('reads the policy from INFO where CONFIG is disabled (ElastiCache)', async () => {
    redis = await startRedisServer({
      extraArgs: ['--maxmemory-policy', 'volatile-lru', '--rename-command', 'CONFIG', ''],
    });
    const r = await runCli(envFor(redis), ['worker'], { untilStderr: STARTED });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('maxmemory-policy is "volatile-lru"');
    const h = await runCli(envFor(redis), ['health']);
    expect(h.stdout).toContain('[from INFO]');
  }, 60_000);

  it('noeviction without AOF or replica starts, with one loud warning; health says so', async () => {
    redis = await startRedisServer();
    const r = await runCli(envFor(redis), ['worker'], { untilStderr: STARTED });
    expect(r.code).toBe(0);
    expect(r.stderr.match(/WARNING: Redis has no AOF/g)).toHaveLength(1);
    const h = await runCli(envFor(redis), ['health']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain(
      'maxmemory-policy noeviction, AOF off, 0 replica(s) (WARNING: a restart can lose data) [from CONFIG]',
    );
  }, 60_000);
});
