import { EC2Client, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import { HUB, outcome, sdkConfig } from '../support/emulator-clients.js';

const REGION = 'eu-west-1';
let fleet: Fleet;
let emulator: AwsEmulator;
let queueUrl: string;

const sqs = () => new SQSClient(sdkConfig(emulator.url, HUB, REGION));

beforeEach(async () => {
  fleet = new Fleet();
  const hub = fleet.hubAccountId;
  const queue = fleet.sqs.createQueue(hub, REGION, 'imds-drift');
  fleet.sqs.routeEc2Events(hub, '*', queue);
  emulator = await startAwsEmulator({ fleet, throttle: false });
  queueUrl = `${emulator.url}/${hub}/imds-drift`;
});

afterEach(async () => {
  await emulator.close();
});

const receive = () =>
  sqs().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));

describe('EventBridge drift feed into SQS (AWS JSON 1.0, the protocol @aws-sdk/client-sqs speaks)', () => {
  it('a launch and a modify back to optional arrive as CloudTrail events; a deleted message is gone', async () => {
    const launched = fleet.launchInstance({ accountId: fleet.hubAccountId, region: REGION });
    await new EC2Client(sdkConfig(emulator.url, HUB, REGION)).send(
      new ModifyInstanceMetadataOptionsCommand({ InstanceId: launched.instanceId, HttpTokens: 'optional' }),
    );

    const first = await receive();
    const events = (first.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}'));

    expect(events.map((e) => [e['detail-type'], e.source, e.detail.eventName, e.region])).toEqual([
      ['AWS API Call via CloudTrail', 'aws.ec2', 'RunInstances', REGION],
      ['AWS API Call via CloudTrail', 'aws.ec2', 'ModifyInstanceMetadataOptions', REGION],
    ]);
    expect(events[0].detail.responseElements.instancesSet.items[0].instanceId).toBe(launched.instanceId);
    expect(events[1].detail.requestParameters.ModifyInstanceMetadataOptionsRequest).toEqual({
      InstanceId: launched.instanceId,
      HttpTokens: 'optional',
    });

    expect((await receive()).Messages).toBeUndefined(); // in flight: invisible for the visibility timeout
    for (const m of first.Messages ?? [])
      await sqs().send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle ?? '' }),
      );
    expect(fleet.sqs.byUrl(queueUrl)?.messages).toEqual([]);
  });

  it('an unknown queue or receipt handle is the error SQS answers', async () => {
    const badQueue = sqs().send(
      new ReceiveMessageCommand({ QueueUrl: `${emulator.url}/${fleet.hubAccountId}/nope` }),
    );
    const badHandle = sqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'bm8=' }));
    expect(await outcome(badQueue)).toBe('QueueDoesNotExist/400');
    expect(await outcome(badHandle)).toBe('ReceiptHandleIsInvalid/400');
  });
});

describe('SQS calls the drift consumer makes', () => {
  it('a long poll waits for a message sent while it waits; receive counts and sent time are answered', async () => {
    const polling = sqs().send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 5,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const sent = await sqs().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'hello' }));

    const got = await polling;

    expect(got.Messages?.map((m) => [m.MessageId, m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      [sent.MessageId, 'hello', '1'],
    ]);
    expect(Number(got.Messages?.[0]?.Attributes?.SentTimestamp)).toBeGreaterThan(0);
  });

  it('ChangeMessageVisibility 0 makes a received message visible again, its receive count grown', async () => {
    await sqs().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'again' }));
    const ask = { QueueUrl: queueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount' as const] };
    const first = await sqs().send(new ReceiveMessageCommand(ask));
    await sqs().send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: first.Messages?.[0]?.ReceiptHandle ?? '',
        VisibilityTimeout: 0,
      }),
    );

    const second = await sqs().send(new ReceiveMessageCommand(ask));

    expect(second.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ['again', '2'],
    ]);
  });

  it('a throttled or failing ReceiveMessage is the error SQS answers', async () => {
    emulator.setOperationFault('sqs:ReceiveMessage', 'throttled', 1);
    expect(await outcome(receive())).toBe('RequestThrottled/400');
    emulator.setOperationFault('sqs:ReceiveMessage', 'unavailable', 1);
    expect(await outcome(receive())).toBe('Unavailable/503');
  });
});
