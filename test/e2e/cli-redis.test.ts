import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { freePort, startRedisServer } from '../../sandbox/redis-server.js';
import { spawnRedisServer } from '../../src/adapters/redis/embedded.js';
import { createApp } from '../../src/main.js';
import { runCli } from '../support/cli-process.js';
import { testEnv } from '../support/harness.js';

/** What every one-shot command must say, in one line, when Redis does not answer. */
function expectOneClearLine(stderr: string, url: string) {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(url);
  expect(lines[0]).toMatch(/docker compose -f docker\/compose\.yaml up -d redis/);
  expect(lines[0]).toMatch(/REDIS_URL/);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('one-shot commands with no Redis answering', () => {
  const base = {
    ...(process.env as Record<string, string>),
    ...testEnv(),
    LOG_LEVEL: '',
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_APP_TOKEN: 'xapp-test',
  };

  it.each([
    [['scan']],
    [['report']],
    [['digest']],
    [['audit', 'verify']],
    [['audit', 'export']],
    [['health']],
  ])('%j fails at once with one line: which URL, what to do', async (args) => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const r = await runCli({ ...base, REDIS_URL: url }, [...args, '--workflow', 'workflows/default.yaml']);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(args[0] === 'health' ? 1 : 4);
    expect(r.stdout).toBe('');
    expectOneClearLine(r.stderr, url);
    expect(r.stderr).toMatch(/does not answer/);
  });

  it('health exits 1 naming the database when SELECT fails (a database the server does not have)', async () => {
    const url = `${inject('redisUrl')}/99`;
    const r = await runCli({ ...base, REDIS_URL: url }, ['health', '--workflow', 'workflows/default.yaml']);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/database 99/);
    expect(r.stderr).toContain(url);
  });

  it('a password in REDIS_URL is never printed', async () => {
    const port = await freePort();
    const r = await runCli({ ...base, REDIS_URL: `redis://:s3cr3t-pw@127.0.0.1:${port}` }, ['report']);
    expect(r.code).toBe(4);
    expect(r.stderr).not.toContain('s3cr3t-pw');
    expect(r.stderr).toContain(`redis://:***@127.0.0.1:${port}`);
  });
});

describe('app.close() never waits on a dead connection', () => {
  const env = (url: string) => ({ ...testEnv(), REDIS_URL: url, WORKFLOW_FILE: 'workflows/default.yaml' });

  it('returns when Redis was down at start and came back later', async () => {
    const port = await freePort();
    const app = await createApp({ env: env(`redis://127.0.0.1:${port}`) });
    app.startWorkers();
    app.queues.events();
    await new Promise((r) => setTimeout(r, 500));
    expect(app.redisDownForMs()).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'imds-late-'));
    const late = await spawnRedisServer({ port, dir, appendOnly: false });
    try {
      await app.close(5000);
      await vi.waitFor(() => expect(app.redis.status).toBe('end'));
    } finally {
      late.kill('SIGKILL');
    }
  });

  it('returns when Redis dies while workers wait for jobs, and never reconnects afterwards', async () => {
    const redis = await startRedisServer();
    const app = await createApp({ env: env(redis.url) });
    app.startWorkers();
    app.queues.events();
    await app.redis.ping();
    await redis.kill();
    await app.close(2000);
    await redis.start(); // same port: a connection still retrying would come back now
    const admin = new Redis(redis.url);
    try {
      await new Promise((r) => setTimeout(r, 2500)); // longer than the reconnect backoff (2 s)
      expect(String(await admin.client('LIST'))).not.toMatch(/name=imds-bot:/);
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  });
});
