import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { JsonAction, JsonCall } from '../context.js';
import type { Queue } from '../sqs.js';
import { ApiError } from '../wire/errors.js';

/**
 * SQS ReceiveMessage and DeleteMessage in the protocol @aws-sdk/client-sqs speaks since it left
 * awsQuery: AWS JSON 1.0 (X-Amz-Target AmazonSQS.<Action>, awsQueryCompatible errors). The SDK
 * checks MD5OfBody, so the emulator computes it. Long polling is not emulated: an empty queue
 * answers at once whatever WaitTimeSeconds says.
 */

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

const receiveMessage: JsonAction = (call) => {
  const p = input(
    z.object({
      QueueUrl: z.string(),
      MaxNumberOfMessages: z.number().int().min(1).max(10).optional(),
      VisibilityTimeout: z.number().int().min(0).max(43_200).optional(),
      WaitTimeSeconds: z.number().int().min(0).max(20).optional(),
    }),
    call,
  );
  const q = queueOf(call, p.QueueUrl);
  const visible = q.messages.filter((m) => m.visibleAt <= call.now).slice(0, p.MaxNumberOfMessages ?? 1);
  for (const m of visible) {
    m.receiveCount++;
    m.visibleAt = call.now + (p.VisibilityTimeout ?? 30) * 1000;
    m.receiptHandle = Buffer.from(`${m.messageId}:${randomUUID()}`).toString('base64');
  }
  if (visible.length === 0) return {};
  return {
    Messages: visible.map((m) => ({
      MessageId: m.messageId,
      ReceiptHandle: m.receiptHandle,
      MD5OfBody: m.md5OfBody,
      Body: m.body,
    })),
  };
};

const deleteMessage: JsonAction = (call) => {
  const p = input(z.object({ QueueUrl: z.string(), ReceiptHandle: z.string() }), call);
  const q = queueOf(call, p.QueueUrl);
  const index = q.messages.findIndex((m) => m.receiptHandle === p.ReceiptHandle);
  if (index < 0)
    throw new ApiError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${p.ReceiptHandle}" is not a valid receipt handle.`,
    );
  q.messages.splice(index, 1);
  return {};
};

export const sqsActions: Record<string, JsonAction> = {
  DeleteMessage: deleteMessage,
  ReceiveMessage: receiveMessage,
};
