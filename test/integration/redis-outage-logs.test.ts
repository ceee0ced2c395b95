import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../sandbox/redis-server.js';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { testEnv } from '../support/harness.js';
import { until } from '../support/slack-harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 8, point 6: a Redis outage under `imds-bot worker` (scan, change and Slack workers, the
 * schedules) is told through pino, once when Redis goes and once when it is back: no raw stack
 * traces outside the JSON logs, no line per retry.
 */
describe('a Redis outage under a running worker', () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let child: ChildProcess;
  let stderr = '';

  beforeAll(async () => {
    redis = await startRedisServer({ persistent: true });
    slack = await startFakeSlack({ rateLimits: false });
    const env = {
      ...(process.env as Record<string, string>),
      ...testEnv(),
      REDIS_URL: redis.url,
      LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.url,
    };
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'worker'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
  });
  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await slack?.close();
    await redis?.stop();
  });

  const json = () =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string });
  const told = (msg: string) => json().filter((l) => l.msg === msg).length;

  it('logs one line when Redis goes, one when it is back, and nothing raw', async () => {
    await until(() => stderr.includes('running') || undefined, 'the worker to run', 40_000);
    await redis.kill();
    await sleep(3000); // the outage: every connection retries many times meanwhile
    await until(() => told('redis unreachable') > 0 || undefined, 'the outage logged', 20_000);
    await redis.start();
    await until(() => told('redis reachable again') > 0 || undefined, 'the recovery logged', 30_000);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;

    expect(told('redis unreachable')).toBe(1);
    expect(told('redis reachable again')).toBe(1);
    const raw = stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
    expect(raw.filter((l) => /^\s+at |Error|ECONNREFUSED/.test(l))).toEqual([]);
    // the lines meant for people: the start line and at most the persistence warning
    expect(raw.length).toBeLessThanOrEqual(2);
  });
});
