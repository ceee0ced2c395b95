// Drift between scans, end to end: the bot as `imds-bot worker` builds it (startBot: Slack
// workers, scan workers, the drift consumer), the real SQS and EC2 SDK clients over HTTP against
// the emulator, a real Redis, the fake Slack. The emulator puts a CloudTrail event on its queue
// for each launch and ModifyInstanceMetadataOptions, as the EventBridge rule of deploy/ does.
import { randomUUID } from 'node:crypto';
import { EC2Client, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import type { Queue } from '../../sandbox/aws/sqs.js';
import { freePort } from '../../sandbox/redis-server.js';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { silentLogger } from '../../src/adapters/log.js';
import { type App, createApp } from '../../src/main.js';
import { assumeRole, sdkConfig } from '../support/emulator-clients.js';
import { pointSdkAt, testEnv } from '../support/harness.js';
import { slackEnv } from '../support/slack-env.js';
import { ACCOUNT, C, REGION, slackFleet, slackSeed, slackWorkflow, U } from '../support/slack-fixtures.js';
import { until } from '../support/slack-harness.js';

const QUIET_SECONDS = 5;
const BURST = 500;

describe('drift events: a launch or a modify back to optional reaches its owner between scans', () => {
  const built = slackFleet();
  const { fleet } = built;
  const queue: Queue = fleet.sqs.createQueue(fleet.hubAccountId, 'us-east-1', 'imds-drift');
  const dlq: Queue = fleet.sqs.createQueue(fleet.hubAccountId, 'us-east-1', 'imds-drift-dlq');
  fleet.sqs.routeEc2Events(ACCOUNT, '*', queue);
  let emulator: AwsEmulator;
  let slack: FakeSlack;
  let app: App;
  const stop = new AbortController();

  const topLevel = (channel: string) => slack.messagesIn(channel).filter((m) => !m.thread_ts);
  const mentioning = (channel: string, id: string) =>
    topLevel(channel).filter((m) => `${m.text}${JSON.stringify(m.blocks ?? [])}`.includes(id));
  const counter = async (outcome: string) => {
    const m = await app.observability.metrics.driftMessages.get();
    return m.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  };
  const drained = () => queue.messages.length === 0;
  const launch = (owner: string, tokens: 'optional' | 'required' = 'optional') =>
    fleet.launchInstance({
      accountId: ACCOUNT,
      region: REGION,
      tags: { Name: `web-${randomUUID().slice(0, 6)}`, Owner: owner },
      metadata: { httpTokens: tokens },
    });

  beforeAll(async () => {
    emulator = await startAwsEmulator({ fleet, throttle: false, metadataApplyDelayMs: 0 });
    pointSdkAt(emulator.url);
    slack = await startFakeSlack(slackSeed());
    const queueUrl = (name: string) => `${emulator.url}/${fleet.hubAccountId}/${name}`;
    app = await createApp({
      env: { ...testEnv(), ...slackEnv(slack, await freePort()) },
      workflow: slackWorkflow({
        drift: {
          queueUrls: [queueUrl('imds-drift')],
          deadLetterQueueUrl: queueUrl('imds-drift-dlq'),
          alertQuietSeconds: QUIET_SECONDS,
          alertMaxDelaySeconds: 120,
          visibilityTimeoutSeconds: 10,
        },
      }),
      log: silentLogger(),
    });
    const bot = await app.startBot({ listen: false, signal: stop.signal });
    if (!bot?.slack) throw new Error('the bot did not start its Slack side');
    const { scanId } = await app.requestScan({ kind: 'cli', by: 'test' });
    await app.waitForScan(scanId);
  }, 60_000);

  afterAll(async () => {
    stop.abort();
    await app?.close();
    await slack?.close();
    await emulator?.close();
  });

  it('a launch with HttpTokens optional: findings updated and the owner alerted in her DM', async () => {
    const launched = launch('alice@example.com');

    const finding = await until(
      () => app.store.locate(launched.instanceId),
      'the finding of the new instance',
    );
    expect(finding).toMatchObject({
      httpTokens: 'optional',
      readiness: 'unknown',
      owner: 'alice@example.com',
    });
    const alert = await until(() => mentioning(U.alice, launched.instanceId)[0], 'the alert in alice’s DM');
    expect(alert.text).toContain('Alice');
    // a new instance is not a "regression": the alert says what happened
    expect(JSON.stringify(alert.blocks)).toContain(
      `*1 new launch* with IMDSv1 allowed: \`${launched.instanceId}\``,
    );
    expect(JSON.stringify(alert.blocks)).not.toMatch(/regression|changed back/);
    await until(drained, 'the event deleted from the queue');
    expect(await counter('handled')).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('a launch that requires tokens updates the findings and alerts nobody', async () => {
    const before = topLevel(U.carol).length;
    const launched = launch(U.carol, 'required');

    const finding = await until(() => app.store.locate(launched.instanceId), 'the compliant finding');
    expect(finding.readiness).toBe('compliant');
    // a laggard of bob's (who left) is alerted after it: carol's DM is untouched meanwhile
    const other = launch('bob@example.com');
    await until(() => mentioning(C.security, other.instanceId)[0], 'the departed owner’s alert in security');
    expect(topLevel(U.carol)).toHaveLength(before);
  }, 30_000);

  it('an instance modified back to optional (ModifyInstanceMetadataOptions in the member) is a regression told to its owner', async () => {
    const member = await assumeRole(emulator.url, {
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner`,
      RoleSessionName: 'someone',
    });
    const ec2 = new EC2Client(sdkConfig(emulator.url, member, REGION));

    await ec2.send(
      new ModifyInstanceMetadataOptionsCommand({ InstanceId: built.ids.fixed, HttpTokens: 'optional' }),
    );

    const alert = await until(
      () => mentioning(U.alice, built.ids.fixed)[0],
      'the regression alert in alice’s DM',
    );
    const blocks = JSON.stringify(alert.blocks);
    expect(blocks).toContain(
      `*1 instance* changed back to optional since the last scan: \`${built.ids.fixed}\``,
    );
    expect(blocks).not.toMatch(/regression|new launch/);
    expect(await app.store.locate(built.ids.fixed)).toMatchObject({
      httpTokens: 'optional',
      owner: 'alice@example.com',
    });
  }, 30_000);

  it('duplicate deliveries change nothing and alert nobody twice', async () => {
    const launched = launch('alice@example.com');
    const body = queue.messages.at(-1)?.body ?? never();
    await until(() => mentioning(U.alice, launched.instanceId)[0], 'the first alert');
    const aliceBefore = topLevel(U.alice).length;
    const duplicates = await counter('duplicate');

    fleet.sqs.send(queue, body, Date.now());
    fleet.sqs.send(queue, body, Date.now());
    await until(async () => (await counter('duplicate')) === duplicates + 2, 'both duplicates handled');
    // the next alert, carol's, would reach alice too had a duplicate flagged her instance again
    const next = launch(U.carol);
    await until(() => mentioning(U.carol, next.instanceId)[0], 'carol’s alert');

    expect(topLevel(U.alice)).toHaveLength(aliceBefore);
  }, 40_000);

  it('a burst of launches is one summarized message per owner, not one per launch', async () => {
    await until(drained, 'a quiet queue');
    const before = topLevel(U.alice).length;
    const burst = Array.from({ length: BURST }, () => launch('alice@example.com'));

    await until(drained, 'the burst handled', 90_000);
    for (const i of burst) expect((await app.store.locate(i.instanceId))?.readiness).toBe('unknown');
    const summary = await until(
      () =>
        topLevel(U.alice)
          .slice(before)
          .find((m) => JSON.stringify(m.blocks).includes(`${BURST} new launches* with IMDSv1 allowed`)),
      'one message for the burst',
      30_000,
    );

    expect(topLevel(U.alice).slice(before)).toEqual([summary]);
  }, 180_000);

  it('a malformed message goes to the dead-letter queue, and the feed goes on', async () => {
    const wrongShape = '{"detail-type":"AWS API Call via CloudTrail","detail":"<b>oops</b>"}';
    fleet.sqs.send(queue, wrongShape, Date.now());
    fleet.sqs.send(queue, 'not json at all', Date.now());
    const failed = await counter('failed');
    const after = launch('alice@example.com');

    await until(() => dlq.messages.length === 2, 'both in the dead-letter queue');
    await until(() => app.store.locate(after.instanceId), 'the next event handled');
    expect(dlq.messages.map((m) => m.body).sort()).toEqual(['not json at all', wrongShape]);
    expect(await counter('failed')).toBe(failed + 2);
  }, 30_000);

  it('DeleteMessage failing (5xx): the event comes back after its visibility timeout and is alerted once', async () => {
    await until(drained, 'a quiet queue');
    // the SDK's 3 attempts of one DeleteMessage all fail
    emulator.setOperationFault('sqs:DeleteMessage', 'unavailable', 3);
    const duplicates = await counter('duplicate');
    const launched = launch('alice@example.com');

    await until(() => mentioning(U.alice, launched.instanceId)[0], 'the alert');
    await until(
      async () => (await counter('duplicate')) > duplicates,
      'the redelivery seen as a duplicate',
      40_000,
    );
    await until(drained, 'deleted the second time');

    expect(mentioning(U.alice, launched.instanceId)).toHaveLength(1);
  }, 60_000);
});

function never(): never {
  throw new Error('missing');
}
