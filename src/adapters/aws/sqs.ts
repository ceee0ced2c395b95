import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { CodedError, errorMessage } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports/shared.js';
import { tagOperation } from './errors.js';

/**
 * A long-polling SQS consumer (AWS JSON 1.0, as @aws-sdk/client-sqs speaks it). Each message is
 * deleted once handled; a failure that another attempt may get past leaves it on the queue, made
 * visible again after a growing delay (ChangeMessageVisibility); a message that can never be
 * handled (malformed, or still failing after `maxReceives` receives) goes to the dead-letter
 * queue, or is deleted with a log line when there is none. ReceiveMessage failures (throttling,
 * 5xx, network) back off exponentially with jitter: never a hot loop, and a message received but
 * not deleted comes back after its visibility timeout, so none is lost.
 */

/** What the handler made of a message. */
export type HandledAs =
  | { outcome: 'handled' | 'duplicate' | 'ignored'; at?: string | undefined }
  /** will never succeed: straight to the dead-letter queue */
  | { outcome: 'malformed'; reason: string }
  /** a transient error is retried later; any other is given up on */
  | { outcome: 'error'; error: unknown };

export type ConsumerOutcome = 'received' | 'handled' | 'duplicate' | 'ignored' | 'retried' | 'failed';

export interface ConsumerMetrics {
  message(outcome: ConsumerOutcome): void;
  /** seconds from the event to its handling */
  lag(seconds: number): void;
  receiveFailed(): void;
}

export interface SqsConsumerDeps {
  sqs: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl?: string | undefined;
  /** receives after which a message still failing is given up on (sent to the DLQ) */
  maxReceives: number;
  /** how long a received message stays invisible while it is handled */
  visibilityTimeoutSeconds: number;
  /** long polling: 1-20 s (default 20) */
  waitTimeSeconds?: number;
  /** a transient failure makes the message visible again after base × 2^(receives-1) s (default 5) */
  retryBaseSeconds?: number;
  /** backoff of ReceiveMessage failures (default 1 s doubling up to 60 s) */
  backoff?: { baseMs: number; maxMs: number };
  /** the bodies of one receive, one result each, in order */
  handle(bodies: string[]): Promise<HandledAs[]>;
  log: Logger;
  metrics?: ConsumerMetrics;
  /** waits `ms` unless `signal` aborts first (tests record the delays) */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

const NO_METRICS: ConsumerMetrics = { message() {}, lag() {}, receiveFailed() {} };

const abortableSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** The region of a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>), or null. */
export function regionOfQueueUrl(url: string): string | null {
  const host = /^https?:\/\/([^/]+)\//.exec(url)?.[1] ?? '';
  return /^sqs[.-]([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com/.exec(host)?.[1] ?? null;
}

/** An SQS client of its own (keep-alive; the SDK's standard retries, then the consumer's backoff). */
export function createSqsClient(opts: { region: string; instrument?: <C>(c: C) => C }): SQSClient {
  const client = tagOperation(
    new SQSClient({
      region: opts.region,
      maxAttempts: 3,
      retryMode: 'standard',
      requestHandler: {
        httpAgent: new HttpAgent({ keepAlive: true }),
        httpsAgent: new HttpsAgent({ keepAlive: true }),
      },
    }),
  );
  return opts.instrument ? opts.instrument(client) : client;
}

const codeOf = (err: unknown): string =>
  err instanceof CodedError ? err.code : err instanceof Error ? err.name : 'UnknownError';

export function startSqsConsumer(deps: SqsConsumerDeps) {
  const stop = new AbortController();
  const metrics = deps.metrics ?? NO_METRICS;
  const sleep = deps.sleep ?? abortableSleep;
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const backoff = deps.backoff ?? { baseMs: 1000, maxMs: 60_000 };
  const where = { queueUrl: deps.queueUrl };

  /** equal jitter: between half and all of base × 2^(n-1), capped */
  const backoffMs = (failures: number): number => {
    const full = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failures - 1));
    return Math.round(full / 2 + (random() * full) / 2);
  };

  async function remove(m: Message): Promise<void> {
    try {
      await deps.sqs.send(
        new DeleteMessageCommand({ QueueUrl: deps.queueUrl, ReceiptHandle: m.ReceiptHandle }),
      );
    } catch (err) {
      // it comes back after its visibility timeout; handling it again changes nothing
      deps.log.warn({ ...where, messageId: m.MessageId, code: codeOf(err) }, 'drift: DeleteMessage failed');
    }
  }

  async function giveUp(m: Message, reason: string, receives: number): Promise<void> {
    metrics.message('failed');
    const meta = { ...where, messageId: m.MessageId, receives, reason };
    if (!deps.deadLetterQueueUrl) {
      deps.log.error(meta, 'drift: message dropped (no dead-letter queue configured)');
      return remove(m);
    }
    try {
      await deps.sqs.send(
        new SendMessageCommand({
          QueueUrl: deps.deadLetterQueueUrl,
          MessageBody: m.Body ?? '',
          MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
        }),
      );
    } catch (err) {
      // left on the queue: the queue's own redrive policy (deploy/) is the last resort
      deps.log.error(
        { ...meta, code: codeOf(err) },
        'drift: could not move a message to the dead-letter queue',
      );
      return;
    }
    deps.log.warn(meta, 'drift: message moved to the dead-letter queue');
    await remove(m);
  }

  async function retryLater(m: Message, reason: string, receives: number): Promise<void> {
    if (receives >= deps.maxReceives) return giveUp(m, reason, receives);
    metrics.message('retried');
    const seconds = Math.min(
      deps.visibilityTimeoutSeconds,
      (deps.retryBaseSeconds ?? 5) * 2 ** (receives - 1),
    );
    deps.log.warn(
      { ...where, messageId: m.MessageId, receives, reason, retryInSeconds: seconds },
      'drift: will retry',
    );
    try {
      await deps.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: deps.queueUrl,
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: Math.round(seconds),
        }),
      );
    } catch {
      // the visibility timeout brings it back anyway
    }
  }

  async function settle(m: Message, result: HandledAs): Promise<void> {
    const receives = Number(m.Attributes?.ApproximateReceiveCount ?? '1') || 1;
    if (result.outcome === 'error') {
      const err = result.error;
      const permanent = err instanceof CodedError && !err.transient;
      const reason = `${codeOf(err)}: ${errorMessage(err)}`.slice(0, 500);
      return permanent ? giveUp(m, reason, receives) : retryLater(m, reason, receives);
    }
    if (result.outcome === 'malformed') return giveUp(m, result.reason, receives);
    metrics.message(result.outcome);
    if (result.at) metrics.lag(Math.max(0, (now() - Date.parse(result.at)) / 1000));
    await remove(m);
  }

  async function batch(messages: Message[]): Promise<void> {
    for (const _ of messages) metrics.message('received');
    let results: HandledAs[];
    try {
      results = await deps.handle(messages.map((m) => m.Body ?? ''));
    } catch (error) {
      results = messages.map(() => ({ outcome: 'error', error }));
    }
    await Promise.all(
      messages.map((m, i) => settle(m, results[i] ?? { outcome: 'error', error: 'no result' })),
    );
  }

  async function receive(): Promise<Message[]> {
    const out = await deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deps.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: deps.waitTimeSeconds ?? 20,
        VisibilityTimeout: deps.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
      { abortSignal: stop.signal },
    );
    return out.Messages ?? [];
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stop.signal.aborted) {
      let messages: Message[];
      try {
        messages = await receive();
        failures = 0;
      } catch (err) {
        if (stop.signal.aborted) break;
        failures += 1;
        metrics.receiveFailed();
        const delayMs = backoffMs(failures);
        deps.log.warn(
          { ...where, code: codeOf(err), failures, delayMs },
          'drift: ReceiveMessage failed; backing off',
        );
        await sleep(delayMs, stop.signal);
        continue;
      }
      // handled to the end even when stopping: a message half handled would only come back
      if (messages.length > 0) await batch(messages);
    }
  }

  const loop = run().catch((err: unknown) => {
    deps.log.error({ ...where, code: codeOf(err) }, 'drift: the consumer stopped on an unexpected error');
  });
  return {
    /** stops polling (an in-flight long poll is aborted), after the messages in hand are handled */
    async close(): Promise<void> {
      stop.abort();
      await loop;
    },
  };
}
export type SqsConsumer = ReturnType<typeof startSqsConsumer>;
