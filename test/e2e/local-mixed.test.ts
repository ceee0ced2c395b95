import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { freePort } from '../../sandbox/redis-server.js';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { hubEnv } from '../support/harness.js';

/**
 * `npm start` (sandbox/local/main.ts) as a separate process, with part of a real configuration
 * present: the part that is configured is used, the rest is a stand-in, and the banner says which.
 * "Real" AWS here is an emulator the test starts and points the SDK at, as a user's endpoint;
 * "your workspace" is a fake Slack the bot reaches through SLACK_API_URL with its own token.
 */
const MEMBER = '222222222222';
const SECURITY = 'C0SECURITY01';

let child: ChildProcess | null = null;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGINT');
    await exited;
  }
  child = null;
  for (const stop of stops.splice(0)) await stop();
});

function startLocal(
  env: Record<string, string>,
  lock = join(mkdtempSync(join(tmpdir(), 'imds-local-')), 'lock.json'),
): Promise<{ banner: string; stderr: () => string }> {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (/^(AWS_|SLACK_|WORKFLOW_FILE|REDIS_URL)/.test(k)) delete base[k];
  child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/local/main.ts'], {
    env: { ...base, IMDS_BOT_LOCAL_LOCK: lock, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    child?.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ctrl-C stops everything')) resolve({ banner: out, stderr: () => err });
    });
    child?.once('exit', (code) => reject(new Error(`local mode exited ${code}: ${err}`)));
  });
}

function workflowFile(body: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'imds-wf-')), 'workflow.yaml');
  writeFileSync(file, body);
  return file;
}

describe('npm start: one at a time, and Ctrl-C stops everything it started', () => {
  it('a second start says where the first runs; Ctrl-C ends the first and its private Redis', async () => {
    const lock = join(mkdtempSync(join(tmpdir(), 'imds-local-')), 'lock.json');
    const { banner } = await startLocal({}, lock);
    const url = /Slack sandbox \(open it\) +(http:\/\/127\.0\.0\.1:\d+\/?)/.exec(banner)?.[1];
    const redisPort = /Redis \(embedded\) +redis:\/\/127\.0\.0\.1:(\d+)/.exec(banner)?.[1];
    expect(url).toBeDefined();
    expect(redisPort).toBeDefined();
    const first = child;
    const second = spawn(process.execPath, ['--import', 'tsx', 'sandbox/local/main.ts'], {
      env: {
        ...process.env,
        IMDS_BOT_LOCAL_LOCK: lock,
        SLACK_BOT_TOKEN: '',
        AWS_ACCESS_KEY_ID: '',
        AWS_PROFILE: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    second.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise((r) => second.once('exit', r));
    expect(code).toBe(1);
    expect(err).toContain(`local mode already runs (pid ${first?.pid}): ${url}`);
    const exited = new Promise<number | null>((r) => first?.once('exit', r));
    first?.kill('SIGINT');
    expect(await exited).toBe(0);
    // its redis-server is gone with it: nothing answers on that port any more
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(Number(redisPort), '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});

describe('npm start with part of a real configuration', () => {
  it('AWS credentials and a workflow: scans that AWS, shows it in the sandbox page, and says so', async () => {
    const fleet = new Fleet({ hubAccountId: '111111111111' });
    fleet.addAccount({ id: MEMBER, roleName: 'Scanner', regions: ['eu-west-1'] });
    fleet.addInstance({ accountId: MEMBER, region: 'eu-west-1', tags: { Name: 'real-web' } });
    const aws: AwsEmulator = await startAwsEmulator({ fleet });
    stops.push(() => aws.close());
    const file = workflowFile(
      [
        'version: 1',
        'name: real-aws',
        'scope:',
        '  accounts:',
        `    - { id: "${MEMBER}", roleArn: "arn:aws:iam::${MEMBER}:role/Scanner" }`,
        '  regions: [eu-west-1]',
        '',
      ].join('\n'),
    );
    const { banner } = await startLocal({
      ...hubEnv(aws.url),
      AWS_REGION: 'us-east-1',
      WORKFLOW_FILE: file,
    });
    expect(banner).toContain('AWS: real, with your credentials (AWS_ACCESS_KEY_ID)');
    expect(banner).toContain('Slack: the sandbox page');
    expect(banner).toMatch(/Slack sandbox \(open it\) +http:\/\/127\.0\.0\.1:\d+/);
    expect(banner).not.toContain('AWS emulator');
    expect(aws.stats().byAction['ec2:DescribeInstances']).toBeGreaterThan(0);
  });

  it('a Slack token and a workflow: posts to that workspace, scans the demo organization, no sandbox page', async () => {
    const slack: FakeSlack = await startFakeSlack({ channels: [{ id: SECURITY, name: 'imds-security' }] });
    stops.push(() => slack.close());
    const file = workflowFile(
      [
        'version: 1',
        'name: my-workspace',
        'scope: { accounts: self, regions: [us-east-1] }',
        `slack: { securityChannel: "${SECURITY}" }`,
        '',
      ].join('\n'),
    );
    const { banner } = await startLocal({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.url,
      SLACK_TEAM_ID: slack.teamId,
      PORT: String(await freePort()),
      WORKFLOW_FILE: file,
    });
    expect(banner).toContain('Slack: your workspace (SLACK_BOT_TOKEN is set); no sandbox page');
    expect(banner).toContain('AWS: the emulator with the demo organization');
    expect(banner).not.toContain('Slack sandbox (open it)');
    // the demo owners are not people of this workspace: their digests reach its security channel
    const deadline = Date.now() + 30_000;
    while (slack.messagesIn(SECURITY).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(slack.messagesIn(SECURITY).length).toBeGreaterThan(0);
  });

  it('both real, or a real part without its workflow: refuses in one line and starts nothing', async () => {
    await expect(
      startLocal({ SLACK_BOT_TOKEN: 'xoxb-1', AWS_PROFILE: 'audit', WORKFLOW_FILE: 'w.yaml' }),
    ).rejects.toThrow(/local mode exited 2: imds-bot: .*imds-bot serve/);
    await expect(startLocal({ AWS_PROFILE: 'audit' })).rejects.toThrow(/exited 2: .*needs WORKFLOW_FILE/);
  });
});
