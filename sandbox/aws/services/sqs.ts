import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { JsonAction, JsonCall } from '../context.js';
import type { Queue, QueueMessage } from '../sqs.js';
import { ApiError } from '../wire/errors.js';

/**
 * SQS ReceiveMessage, DeleteMessage, ChangeMessageVisibility and SendMessage in the protocol
 * @aws-sdk/client-sqs speaks since it left awsQuery: AWS JSON 1.0 (X-Amz-Target
 * AmazonSQS.<Action>, awsQueryCompatible errors). The SDK checks MD5OfBody (and
 * MD5OfMessageBody on a send), so the emulator computes them. Long polling: an empty queue holds
 * the call until a message is visible or WaitTimeSeconds pass (the emulator's clock, read afresh).
 * ApproximateReceiveCount and SentTimestamp are answered when asked for (MessageSystemAttributeNames,
 * or the older AttributeNames).
 */

const POLL_MS = 25;
// unref'd: a poll left behind by a closed emulator keeps no process alive
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function input<T extends z.ZodType>(schema: T, call: JsonCall): z.infer<T> {
  const parsed = schema.safeParse(call.body ?? {});
  if (!parsed.success) throw new ApiError('InvalidParameterValue', 'A parameter is not valid');
  return parsed.data;
}

function queueOf(call: JsonCall, url: string): Queue {
  const q = call.fleet.sqs.byUrl(url);
  if (!q || q.accountId !== call.principal.accountId)
    throw new ApiError('QueueDoesNotExist', 'The specified queue does not exist.');
  return q;
}

const ReceiveInput = z.object({
  QueueUrl: z.string(),
  MaxNumberOfMessages: z.number().int().min(1).max(10).optional(),
  VisibilityTimeout: z.number().int().min(0).max(43_200).optional(),
  WaitTimeSeconds: z.number().int().min(0).max(20).optional(),
  MessageSystemAttributeNames: z.array(z.string()).optional(),
  AttributeNames: z.array(z.string()).optional(),
});

function attributesOf(m: QueueMessage, asked: Set<string>): Record<string, string> | undefined {
  const all = asked.has('All');
  const out: Record<string, string> = {};
  if (all || asked.has('ApproximateReceiveCount')) out.ApproximateReceiveCount = String(m.receiveCount);
  if (all || asked.has('SentTimestamp')) out.SentTimestamp = String(m.sentAt);
  return Object.keys(out).length > 0 ? out : undefined;
}

const receiveMessage: JsonAction = async (call) => {
  const p = input(ReceiveInput, call);
  const q = queueOf(call, p.QueueUrl);
  const waitMs = (p.WaitTimeSeconds ?? 0) * 1000;
  const deadline = call.now + waitMs;
  // a clock the test holds still must not hold the call forever: real time bounds the wait too
  const realDeadline = Date.now() + waitMs;
  let now = call.now;
  let visible = q.messages.filter((m) => m.visibleAt <= now);
  while (visible.length === 0 && now < deadline && Date.now() < realDeadline) {
    await sleep(POLL_MS);
    if (call.signal?.aborted) return {};
    now = call.fleet.now();
    visible = q.messages.filter((m) => m.visibleAt <= now);
  }
  visible = visible.slice(0, p.MaxNumberOfMessages ?? 1);
  for (const m of visible) {
    m.receiveCount++;
    m.visibleAt = now + (p.VisibilityTimeout ?? 30) * 1000;
    m.receiptHandle = Buffer.from(`${m.messageId}:${randomUUID()}`).toString('base64');
  }
  if (visible.length === 0) return {};
  const asked = new Set([...(p.MessageSystemAttributeNames ?? []), ...(p.AttributeNames ?? [])]);
  return {
    Messages: visible.map((m) => ({
      MessageId: m.messageId,
      ReceiptHandle: m.receiptHandle,
      MD5OfBody: m.md5OfBody,
      Body: m.body,
      ...(attributesOf(m, asked) ? { Attributes: attributesOf(m, asked) } : {}),
    })),
  };
};

const invalidHandle = (handle: string) =>
  new ApiError(
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );

const changeMessageVisibility: JsonAction = (call) => {
  const p = input(
    z.object({
      QueueUrl: z.string(),
      ReceiptHandle: z.string(),
      VisibilityTimeout: z.number().int().min(0).max(43_200),
    }),
    call,
  );
  const q = queueOf(call, p.QueueUrl);
  const m = q.messages.find((x) => x.receiptHandle === p.ReceiptHandle);
  if (!m) throw invalidHandle(p.ReceiptHandle);
  m.visibleAt = call.fleet.now() + p.VisibilityTimeout * 1000;
  return {};
};

const sendMessage: JsonAction = (call) => {
  const p = input(
    z.object({
      QueueUrl: z.string(),
      MessageBody: z.string().min(1),
      DelaySeconds: z.number().int().min(0).max(900).optional(),
      MessageAttributes: z.record(z.string(), z.unknown()).optional(),
    }),
    call,
  );
  const q = queueOf(call, p.QueueUrl);
  const m = call.fleet.sqs.send(q, p.MessageBody, call.now);
  m.visibleAt = call.now + (p.DelaySeconds ?? 0) * 1000;
  if (p.MessageAttributes) m.attributes = p.MessageAttributes;
  return { MessageId: m.messageId, MD5OfMessageBody: m.md5OfBody };
};

const deleteMessage: JsonAction = (call) => {
  const p = input(z.object({ QueueUrl: z.string(), ReceiptHandle: z.string() }), call);
  const q = queueOf(call, p.QueueUrl);
  const index = q.messages.findIndex((m) => m.receiptHandle === p.ReceiptHandle);
  if (index < 0) throw invalidHandle(p.ReceiptHandle);
  q.messages.splice(index, 1);
  return {};
};

export const sqsActions: Record<string, JsonAction> = {
  ChangeMessageVisibility: changeMessageVisibility,
  DeleteMessage: deleteMessage,
  ReceiveMessage: receiveMessage,
  SendMessage: sendMessage,
};
