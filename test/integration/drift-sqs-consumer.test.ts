// The drift feed's SQS consumer with the real @aws-sdk/client-sqs over HTTP against the emulator:
// delete after handling, retry with a growing visibility delay, dead-letter queue after N
// receives or at once for a malformed body, backoff when ReceiveMessage fails, a clean stop.
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import type { Queue } from '../../sandbox/aws/sqs.js';
import { type HandledAs, type SqsConsumerDeps, startSqsConsumer } from '../../src/adapters/aws/sqs.js';
import { awsErrorCode, CodedError } from '../../src/domain/errors.js';
import { HUB, sdkConfig } from '../support/emulator-clients.js';
import { memoryLogger } from '../support/fakes/logger.js';
import { until } from '../support/slack-harness.js';

const REGION = 'us-east-1';
let fleet: Fleet;
let emulator: AwsEmulator;
let queue: Queue;
let dlq: Queue;
let url: (name: string) => string;
let consumers: { close(): Promise<void> }[];

beforeEach(async () => {
  fleet = new Fleet();
  queue = fleet.sqs.createQueue(fleet.hubAccountId, REGION, 'drift');
  dlq = fleet.sqs.createQueue(fleet.hubAccountId, REGION, 'drift-dlq');
  emulator = await startAwsEmulator({ fleet, throttle: false });
  url = (name) => `${emulator.url}/${fleet.hubAccountId}/${name}`;
  consumers = [];
});

afterEach(async () => {
  for (const c of consumers) await c.close();
  await emulator.close();
});

function start(each: (body: string) => Promise<HandledAs>, over: Partial<SqsConsumerDeps> = {}) {
  const log = memoryLogger();
  const counts: Record<string, number> = {};
  const consumer = startSqsConsumer({
    // one SDK attempt: every failure reaches the consumer's own backoff
    sqs: new SQSClient(sdkConfig(emulator.url, HUB, REGION)),
    queueUrl: url('drift'),
    deadLetterQueueUrl: url('drift-dlq'),
    maxReceives: 3,
    visibilityTimeoutSeconds: 30,
    waitTimeSeconds: 1,
    retryBaseSeconds: 0,
    handle: (bodies) =>
      Promise.all(
        bodies.map((b) => each(b).catch((error: unknown): HandledAs => ({ outcome: 'error', error }))),
      ),
    log,
    metrics: {
      message: (o) => {
        counts[o] = (counts[o] ?? 0) + 1;
      },
      lag: () => {},
      receiveFailed: () => {
        counts.receiveFailed = (counts.receiveFailed ?? 0) + 1;
      },
    },
    ...over,
  });
  consumers.push(consumer);
  return { consumer, log, counts };
}

const send = (q: Queue, body: string) => fleet.sqs.send(q, body, Date.now());

describe('SQS consumer', () => {
  it('deletes a message once handled', async () => {
    send(queue, 'one');
    send(queue, 'two');
    const seen: string[] = [];
    const { counts } = start(async (body) => {
      seen.push(body);
      return { outcome: 'handled' };
    });

    await until(() => queue.messages.length === 0, 'the queue drained');

    expect(seen.sort()).toEqual(['one', 'two']);
    expect(counts).toMatchObject({ received: 2, handled: 2 });
    expect(dlq.messages).toEqual([]);
  });

  it('retries a transient failure and moves it to the dead-letter queue after maxReceives receives', async () => {
    send(queue, 'flaky');
    let calls = 0;
    const { counts, log } = start(async () => {
      calls++;
      throw new CodedError(awsErrorCode('InvalidInstanceID.NotFound'), 'not yet', { transient: true });
    });

    await until(
      () => dlq.messages.length === 1 && queue.messages.length === 0,
      'the message moved to the dead-letter queue',
    );

    expect(calls).toBe(3);
    expect(dlq.messages[0]?.body).toBe('flaky');
    expect(JSON.stringify(dlq.messages[0]?.attributes)).toContain('not yet');
    expect(counts).toMatchObject({ received: 3, retried: 2, failed: 1 });
    expect(log.lines.map((l) => l.msg)).toContain('drift: message moved to the dead-letter queue');
  });

  it('a transient failure that passes is handled on a later receive, not lost', async () => {
    send(queue, 'late');
    let calls = 0;
    const { counts } = start(async () => {
      calls++;
      if (calls === 1) throw new Error('socket hang up');
      return { outcome: 'handled' };
    });

    await until(() => queue.messages.length === 0, 'the queue drained');

    expect(counts).toMatchObject({ received: 2, retried: 1, handled: 1 });
    expect(dlq.messages).toEqual([]);
  });

  it('a malformed message goes to the dead-letter queue at once; without one it is dropped with a log line', async () => {
    send(queue, 'not json');
    const first = start(async () => ({ outcome: 'malformed', reason: 'the body is not JSON' }));
    await until(
      () => dlq.messages.length === 1 && queue.messages.length === 0,
      'the malformed message moved',
    );
    expect(first.counts).toMatchObject({ received: 1, failed: 1 });
    await first.consumer.close();

    // its own queue: the first consumer's aborted long poll may still be open on the server for a
    // moment (as on SQS) and would take a message sent to 'drift' (this flaked once in CI)
    const bare = fleet.sqs.createQueue(fleet.hubAccountId, REGION, 'drift-bare');
    send(bare, 'also not json');
    const second = start(async () => ({ outcome: 'malformed', reason: 'the body is not JSON' }), {
      queueUrl: url('drift-bare'),
      deadLetterQueueUrl: undefined,
    });
    await until(() => bare.messages.length === 0, 'the message dropped');

    expect(dlq.messages).toHaveLength(1);
    expect(second.log.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'drift: message dropped (no dead-letter queue configured)',
      }),
    );
  });

  it.each(['throttled', 'unavailable', 'html-500'] as const)(
    'ReceiveMessage failing (%s) backs off with growing delays, one receive per delay, and loses no message',
    async (fault) => {
      emulator.setOperationFault('sqs:ReceiveMessage', fault, 4);
      send(queue, 'waiting');
      const delays: number[] = [];
      const handled: string[] = [];
      const { counts } = start(
        async (body) => {
          handled.push(body);
          return { outcome: 'handled' };
        },
        {
          backoff: { baseMs: 1000, maxMs: 60_000 },
          random: () => 1,
          // the delays are recorded, not waited: the test asserts the schedule, not the clock
          sleep: async (ms) => {
            delays.push(ms);
          },
        },
      );

      await until(() => handled.length === 1, 'the message handled once the fault passes');

      expect(delays).toEqual([1000, 2000, 4000, 8000]);
      expect(emulator.stats().byAction['sqs:ReceiveMessage']).toBeGreaterThanOrEqual(5);
      expect(counts.receiveFailed).toBe(4);
      await until(() => queue.messages.length === 0, 'the message deleted');
    },
  );

  it('stops cleanly while a long poll is in flight', async () => {
    const { consumer } = start(async () => ({ outcome: 'handled' }), { waitTimeSeconds: 20 });
    await until(() => (emulator.stats().byAction['sqs:ReceiveMessage'] ?? 0) >= 1, 'a long poll in flight');

    await consumer.close();
    // the emulator hears the hang-up a moment after the client aborts its poll
    await new Promise((r) => setTimeout(r, 100));

    send(queue, 'after close');
    await new Promise((r) => setTimeout(r, 200));
    expect(queue.messages.map((m) => m.receiveCount)).toEqual([0]);
  });
});
