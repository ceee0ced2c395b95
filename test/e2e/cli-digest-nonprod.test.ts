import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { freePort } from '../../sandbox/redis-server.js';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { runCli } from '../support/cli-process.js';
import { hubEnv, testEnv } from '../support/harness.js';
import { slackEnv } from '../support/slack-env.js';
import { ACCOUNT, C, REGION, slackSeed, slackWorkflow, U } from '../support/slack-fixtures.js';

const DAY = 86_400_000;

/** `imds-bot digest --env nonprod` as a process, against the emulator and the fake Slack. */
describe('imds-bot digest --env nonprod', () => {
  let emulator: AwsEmulator;
  let slack: FakeSlack;
  let env: Record<string, string>;
  let workflow: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const fleet = new Fleet({ seed: 5 });
    fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
    const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 40 * DAY) };
    const add = (key: string, tags: Record<string, string>) => {
      ids[key] = fleet.addInstance({ ...at, tags: { Name: key, ...tags } }).instanceId;
    };
    add('alice-dev', { Owner: 'alice@example.com', Environment: 'dev' });
    add('alice-prod', { Owner: 'alice@example.com', Environment: 'prod' });
    add('pay-staging', { team: 'payments', env: 'staging' });
    add('pay-untagged', { team: 'payments' });
    add('orphan-prod', { Environment: 'production' });
    emulator = await startAwsEmulator({ fleet, throttle: false });
    slack = await startFakeSlack(slackSeed());
    const dir = mkdtempSync(join(tmpdir(), 'imds-digest-'));
    workflow = join(dir, 'digest.yaml');
    writeFileSync(workflow, JSON.stringify(slackWorkflow())); // YAML reads JSON
    env = {
      ...(process.env as Record<string, string>),
      ...testEnv(),
      ...slackEnv(slack, await freePort()), // the digest does not listen on it
      ...hubEnv(emulator.url),
    };
    const scan = await runCli(env, ['scan', '--workflow', workflow, '--format', 'json']);
    expect(scan.code).toBe(0);
  });
  afterAll(async () => {
    await slack?.close();
    await emulator?.close();
  });

  const posted = () => JSON.stringify(slack.calls('chat.postMessage').map((c) => c.args));

  it('posts only the non-production laggards, to their owners', async () => {
    const r = await runCli(env, ['digest', '--workflow', workflow, '--env', 'nonprod']);
    expect(r.stderr).toContain('(non-production laggards only)');
    expect(r.code).toBe(0);
    const text = posted();
    expect(text).toContain(ids['alice-dev']);
    expect(text).toContain(ids['pay-staging']);
    for (const left of ['alice-prod', 'pay-untagged', 'orphan-prod']) expect(text).not.toContain(ids[left]);
    const channels = slack.calls('chat.postMessage').map((c) => c.args.channel);
    expect(channels).toContain(C.payments);
    expect(channels).not.toContain(C.security); // the only unowned laggard is production
    expect(channels).toContain(U.alice); // her DM
  });

  it('refuses any other --env before connecting, naming the one filter', async () => {
    const r = await runCli(env, ['digest', '--workflow', workflow, '--env', 'prod']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--env: the one filter is nonprod, not "prod"');
  });

  it('without --env, the full digest has the production laggards too', async () => {
    const r = await runCli(env, ['digest', '--workflow', workflow]);
    expect(r.code).toBe(0);
    expect(posted()).toContain(ids['alice-prod']);
    expect(posted()).toContain(ids['orphan-prod']);
  });
});
