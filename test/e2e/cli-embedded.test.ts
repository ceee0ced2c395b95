import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { answersPing } from '../../src/adapters/redis/embedded.js';
import { runCli } from '../support/cli-process.js';
import { hubEnv, testEnv } from '../support/harness.js';

const ACCOUNT = '737373737373';

describe('the one-shot CLI with REDIS_URL unset and nothing on 127.0.0.1:6379', () => {
  let emulator: AwsEmulator;
  let env: Record<string, string>;
  let state: string;
  let workflow: string;

  beforeAll(async () => {
    if (await answersPing('redis://127.0.0.1:6379'))
      throw new Error('these tests need 127.0.0.1:6379 free: a Redis answers there');
    const fleet = new Fleet({ seed: 11 });
    fleet.addAccount({ id: ACCOUNT, regions: ['eu-west-1'] });
    fleet.addInstance({ accountId: ACCOUNT, region: 'eu-west-1' });
    fleet.addInstance({ accountId: ACCOUNT, region: 'eu-west-1' });
    emulator = await startAwsEmulator({ fleet, throttle: false });
    const dir = mkdtempSync(join(tmpdir(), 'imds-embedded-'));
    state = join(dir, 'state');
    workflow = join(dir, 'w.yaml');
    writeFileSync(
      workflow,
      `version: 1\nname: embedded\nscope:\n  accounts:\n    - id: "${ACCOUNT}"\n      roleArn: arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner\n  regions: [eu-west-1]\n`,
    );
    env = {
      ...(process.env as Record<string, string>),
      ...testEnv(),
      REDIS_URL: '',
      XDG_STATE_HOME: state,
      ...hubEnv(emulator.url),
    };
  });
  afterAll(async () => emulator?.close());

  it('scan starts a private redis-server (one line), keeps history, and two commands at once share it', async () => {
    const first = await runCli(env, ['scan', '--workflow', workflow, '--format', 'json']);
    expect(first.killed).toBe(false);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`using a private redis-server`);
    expect(first.stderr).toContain(join(state, 'imds-bot'));
    expect(JSON.parse(first.stdout).diff).toMatchObject({ new: 2 });
    expect(existsSync(join(state, 'imds-bot', 'redis.json'))).toBe(false); // stopped: nobody uses it

    const [second, report] = await Promise.all([
      runCli(env, ['scan', '--workflow', workflow, '--format', 'json']),
      runCli(env, ['report', '--workflow', workflow, '--format', 'json']),
    ]);
    expect([second.code, report.code]).toEqual([0, 0]);
    expect(JSON.parse(second.stdout).diff).toMatchObject({ new: 0, fixed: 0 });
    expect(JSON.parse(report.stdout).summary.instances).toBe(2);

    const after = await runCli(env, ['report', '--workflow', workflow, '--format', 'json']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).summary.instances).toBe(2);
    expect(existsSync(join(state, 'imds-bot', 'redis.json'))).toBe(false);
  }, 240_000);

  it('without redis-server installed, one line says how to install it', async () => {
    const emptyPath = mkdtempSync(join(tmpdir(), 'imds-no-redis-')); // the CLI runs as process.execPath
    const r = await runCli({ ...env, PATH: emptyPath }, ['report', '--workflow', workflow]);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/apt-get install redis-server.*brew install redis.*REDIS_URL/);
  });

  it('health, digest and audit never start a private Redis: they say what to do', async () => {
    const r = await runCli(env, ['health', '--workflow', workflow]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/redis:\/\/127\.0\.0\.1:6379 does not answer/);
    expect(r.stderr).not.toMatch(/private/);
  });
});
