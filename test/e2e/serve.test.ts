import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../sandbox/redis-server.js';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { slackRequestHeaders, slashCommandBody } from '../../sandbox/slack/signing.js';
import { runCli } from '../support/cli-process.js';
import { testEnv } from '../support/harness.js';
import { until } from '../support/slack-harness.js';

const run = promisify(execFile);

/** `imds-bot serve` as a process: the HTTP receiver, its health route, a signed command, a clean stop. */
describe('imds-bot serve', () => {
  let slack: FakeSlack;
  let child: ChildProcess;
  let port: number;
  let env: Record<string, string>;

  beforeAll(async () => {
    slack = await startFakeSlack({ rateLimits: false });
    port = await freePort();
    env = {
      ...(process.env as Record<string, string>),
      ...testEnv(),
      LOG_LEVEL: 'silent',
      PORT: String(port),
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.url,
    };
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve'], {
      env,
      stdio: 'ignore',
    });
  });
  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await slack?.close();
  });

  it('answers /healthz and a signed /imds help, and stops cleanly on SIGTERM', async () => {
    await until(
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok || undefined,
      'the receiver',
      30_000,
    );
    const body = slashCommandBody({ text: 'help', user_id: 'U0ANYONE1', channel_id: 'C0GEN0001' });
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { ...slackRequestHeaders(body, slack.signingSecret) },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/imds scan');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('stops at start with one line naming SLACK_BOT_TOKEN when Slack refuses the token', async () => {
    const wrong = { ...env, SLACK_BOT_TOKEN: 'xoxb-not-the-token', PORT: String(await freePort()) };
    const r = await runCli(wrong, ['serve'], { untilStderr: /running/ });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('running');
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => !l.includes('WARNING: Redis'))).toEqual([
      expect.stringMatching(/^imds-bot: SLACK_BOT_TOKEN: Slack refused the bot token \(invalid_auth\)/),
    ]);
  });

  it('stops on SIGTERM while the Slack API cannot be reached', async () => {
    const connections: Socket[] = [];
    const blackhole = createServer((socket) => connections.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(blackhole.address() as AddressInfo).port}/api/`;
    const cut = { ...env, SLACK_API_URL: url, LOG_LEVEL: 'warn', PORT: String(await freePort()) };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve'], { env: cut });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await until(() => connections.length > 0 || undefined, 'auth.test reaching the unanswering API', 30_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toContain('running');
    for (const c of connections) c.destroy();
    blackhole.close();
  });

  it('refuses to start without Slack credentials, listing what is missing', async () => {
    const bare = { ...env, SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '' };
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve'], {
      env: bare,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(r).toMatchObject({ code: 2 });
    expect((r as { stderr: string }).stderr).toMatch(/SLACK_BOT_TOKEN/);
    expect((r as { stderr: string }).stderr).toMatch(
      /SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET/,
    );
  });
});
