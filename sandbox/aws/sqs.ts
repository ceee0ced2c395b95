import { createHash, randomUUID } from 'node:crypto';
import type { InstanceRecord } from './types.js';

/**
 * SQS queues, and the drift feed that fills one: CloudTrail management events delivered by an
 * EventBridge rule (detail-type "AWS API Call via CloudTrail", source aws.ec2) for RunInstances and
 * ModifyInstanceMetadataOptions, as deploy/ sets up. The envelope follows EventBridge's event
 * structure (version, id, detail-type, source, account, time, region, resources, detail); inside
 * `detail` the CloudTrail record carries eventName, eventSource, awsRegion, requestParameters and
 * responseElements. The exact requestParameters nesting CloudTrail uses for these two calls was
 * not confirmed against a real trail: a consumer should take the instance id from
 * responseElements (RunInstances) or requestParameters (Modify...) and rescan the instance rather
 * than trust the options the event claims.
 */

export interface QueueMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentAt: number;
  receiveCount: number;
  /** invisible until this time after a receive */
  visibleAt: number;
  /** the receipt handle of the latest receive */
  receiptHandle: string | null;
  /** MessageAttributes given to SendMessage (the consumer's reason, on a dead-letter queue) */
  attributes?: Record<string, unknown>;
}

export interface Queue {
  accountId: string;
  region: string;
  name: string;
  messages: QueueMessage[];
}

interface DriftRoute {
  accountId: string;
  region: string;
  queue: Queue;
}

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

export class SqsModel {
  private readonly queues = new Map<string, Queue>();
  private readonly routes: DriftRoute[] = [];

  createQueue(accountId: string, region: string, name: string): Queue {
    const queue: Queue = { accountId, region, name, messages: [] };
    this.queues.set(`${accountId}/${name}`, queue);
    return queue;
  }

  /** The queue a QueueUrl names (its path is /<account>/<name>, whatever the host). */
  byUrl(url: string): Queue | undefined {
    const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '');
    const [, account, name] = path.split('/');
    return this.queues.get(`${account}/${name}`);
  }

  send(queue: Queue, body: string, now: number): QueueMessage {
    const message: QueueMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5(body),
      sentAt: now,
      receiveCount: 0,
      visibleAt: now,
      receiptHandle: null,
    };
    queue.messages.push(message);
    return message;
  }

  /** EC2 API calls in this account × region ('*': any region) are delivered to the queue. */
  routeEc2Events(accountId: string, region: string, queue: Queue): void {
    this.routes.push({ accountId, region, queue });
  }

  private deliver(accountId: string, region: string, detail: Record<string, unknown>, now: number): void {
    for (const r of this.routes) {
      if (r.accountId !== accountId || (r.region !== '*' && r.region !== region)) continue;
      const event = {
        version: '0',
        id: randomUUID(),
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.ec2',
        account: accountId,
        time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region,
        resources: [],
        detail: {
          eventVersion: '1.09',
          eventTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          eventSource: 'ec2.amazonaws.com',
          awsRegion: region,
          eventType: 'AwsApiCall',
          recipientAccountId: accountId,
          ...detail,
        },
      };
      this.send(r.queue, JSON.stringify(event), now);
    }
  }

  ranInstance(i: InstanceRecord, now: number): void {
    this.deliver(
      i.accountId,
      i.region,
      {
        eventName: 'RunInstances',
        requestParameters: { metadataOptions: { httpTokens: i.metadata.httpTokens } },
        responseElements: { instancesSet: { items: [{ instanceId: i.instanceId }] } },
      },
      now,
    );
  }

  modifiedInstance(i: InstanceRecord, requested: Record<string, unknown>, now: number): void {
    this.deliver(
      i.accountId,
      i.region,
      {
        eventName: 'ModifyInstanceMetadataOptions',
        requestParameters: {
          ModifyInstanceMetadataOptionsRequest: { InstanceId: i.instanceId, ...requested },
        },
        responseElements: null,
      },
      now,
    );
  }
}
