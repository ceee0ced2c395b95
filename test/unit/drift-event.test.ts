// The CloudTrail events of the drift feed as EventBridge delivers them, parsed at the boundary.
import { describe, expect, it } from 'vitest';
import { parseDriftEvent } from '../../src/domain/drift/event.js';

/** An EventBridge "AWS API Call via CloudTrail" envelope around a CloudTrail record. */
const envelope = (detail: Record<string, unknown>) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.ec2',
  account: '222233334444',
  time: '2026-12-02T05:31:20Z',
  region: 'eu-west-1',
  resources: [],
  detail: {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::222233334444:assumed-role/ci-deployer/session',
      sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::222233334444:role/ci-deployer' } },
    },
    eventTime: '2026-12-02T05:31:20Z',
    eventSource: 'ec2.amazonaws.com',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.9',
    eventType: 'AwsApiCall',
    recipientAccountId: '222233334444',
    ...detail,
  },
});

const run = envelope({
  eventName: 'RunInstances',
  requestParameters: {
    instancesSet: { items: [{ imageId: 'ami-1c1b9f1c', minCount: 2, maxCount: 2 }] },
    metadataOptions: { httpTokens: 'optional' },
  },
  responseElements: {
    reservationId: 'r-1710f8e5',
    instancesSet: {
      items: [
        { instanceId: 'i-0123456789abcdef0', instanceState: { code: 0, name: 'pending' } },
        { instanceId: 'i-0123456789abcdef1', instanceState: { code: 0, name: 'pending' } },
      ],
    },
  },
});

describe('parseDriftEvent', () => {
  it('a RunInstances: every launched id, the role that made the call, the call time', () => {
    expect(parseDriftEvent(JSON.stringify(run))).toEqual({
      kind: 'event',
      event: {
        id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        name: 'RunInstances',
        accountId: '222233334444',
        region: 'eu-west-1',
        instanceIds: ['i-0123456789abcdef0', 'i-0123456789abcdef1'],
        actor: 'arn:aws:iam::222233334444:role/ci-deployer',
        at: '2026-12-02T05:31:20Z',
      },
    });
  });

  it.each([
    [
      'the request wrapper',
      { ModifyInstanceMetadataOptionsRequest: { InstanceId: 'i-0abcdef1234567890', HttpTokens: 'optional' } },
    ],
    ['a flat instanceId', { instanceId: 'i-0abcdef1234567890', httpTokens: 'optional' }],
  ])('a ModifyInstanceMetadataOptions with %s', (_what, requestParameters) => {
    const parsed = parseDriftEvent(
      JSON.stringify(
        envelope({ eventName: 'ModifyInstanceMetadataOptions', requestParameters, responseElements: null }),
      ),
    );

    expect(parsed.kind === 'event' && parsed.event.instanceIds).toEqual(['i-0abcdef1234567890']);
  });

  it.each([
    [
      'a call refused by an SCP',
      envelope({
        eventName: 'RunInstances',
        errorCode: 'Client.UnauthorizedOperation',
        responseElements: null,
      }),
      'the call was refused',
    ],
    ['another EC2 call', envelope({ eventName: 'StopInstances' }), 'not a call that changes IMDS'],
  ])('%s is ignored', (_what, event, reason) => {
    expect(parseDriftEvent(JSON.stringify(event))).toEqual({ kind: 'ignored', reason });
  });

  it.each([
    ['not JSON', 'not json', 'the body is not JSON'],
    ['another source', JSON.stringify({ ...run, source: 'aws.s3' }), 'source'],
    [
      'a bad account id',
      JSON.stringify(envelope({ eventName: 'RunInstances', recipientAccountId: '12' })),
      'detail.recipientAccountId',
    ],
    [
      'a launch without ids',
      JSON.stringify(envelope({ eventName: 'RunInstances', responseElements: {} })),
      'no responseElements.instancesSet',
    ],
    [
      'a hostile instance id',
      JSON.stringify(
        envelope({
          eventName: 'ModifyInstanceMetadataOptions',
          requestParameters: { instanceId: '<!channel>' },
        }),
      ),
      'no instance id in requestParameters',
    ],
  ])('%s is malformed, saying where', (_what, body, where) => {
    const parsed = parseDriftEvent(body);

    expect(parsed.kind).toBe('malformed');
    expect(parsed.kind === 'malformed' && parsed.reason).toContain(where);
  });
});
