// Static checks of the drift feed's CloudFormation (deploy/cloudformation/drift-*.yaml): parsed as
// data with CloudFormation's short-form intrinsics, never deployed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CollectionTag, parse, type ScalarTag } from 'yaml';
import { z } from 'zod';
import { DRIFT_EVENT_NAMES } from '../../src/domain/drift/event.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const intrinsics: Record<string, string> = { '!Ref': 'Ref', '!Sub': 'Fn::Sub', '!GetAtt': 'Fn::GetAtt' };
const cfnTags = Object.entries(intrinsics).flatMap(([tag, fn]): (ScalarTag | CollectionTag)[] => [
  { tag, resolve: (s: string) => ({ [fn]: fn === 'Fn::GetAtt' ? s.split('.') : s }) },
  { tag, collection: 'seq', resolve: (seq) => ({ [fn]: seq.toJSON() }) },
]);
const Resource = z.looseObject({ Type: z.string(), Properties: z.looseObject({}) });
const Template = z.looseObject({
  AWSTemplateFormatVersion: z.literal('2010-09-09'),
  Parameters: z.record(z.string(), z.looseObject({ Type: z.string() })),
  Resources: z.record(z.string(), Resource),
});
const template = (name: string) =>
  Template.parse(parse(read(`deploy/cloudformation/${name}.yaml`), { customTags: cfnTags }));
const hub = template('drift-hub');
const member = template('drift-member');
const props = (t: z.infer<typeof Template>, name: string) =>
  t.Resources[name]?.Properties as Record<string, unknown>;

const PATTERN = {
  source: ['aws.ec2'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['ec2.amazonaws.com'], eventName: [...DRIFT_EVENT_NAMES] },
};

describe('CloudFormation drift feed', () => {
  it.each([
    ['hub', hub],
    ['member', member],
  ])('the %s rule matches exactly the CloudTrail events the bot parses', (_name, t) => {
    expect(props(t, 'ForwardRule').EventPattern).toEqual(PATTERN);
  });

  it('the hub bus accepts events from the organization only', () => {
    expect(props(hub, 'EventBusPolicy')).toMatchObject({
      Statement: {
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
      },
    });
  });

  it('the queue takes messages from EventBridge for the hub rule only, and redrives to a DLQ', () => {
    expect(props(hub, 'QueuePolicy').PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EventBridgeRuleSends',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['ForwardRule', 'Arn'] } } },
        },
      ],
    });
    expect(props(hub, 'Queue')).toMatchObject({
      ReceiveMessageWaitTimeSeconds: 20,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
    });
    expect(props(hub, 'ForwardRule').Targets).toEqual([
      { Id: 'imds-bot-drift-queue', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
    ]);
  });

  it('a member forwards to the hub bus through a role that may only put events there', () => {
    expect(props(member, 'ForwardRule').Targets).toEqual([
      {
        Id: 'imds-bot-hub-drift-bus',
        Arn: { Ref: 'HubEventBusArn' },
        RoleArn: { 'Fn::GetAtt': ['ForwardRole', 'Arn'] },
      },
    ]);
    expect(JSON.stringify(props(member, 'ForwardRole').Policies)).toBe(
      JSON.stringify([
        {
          PolicyName: 'PutOnHubDriftBus',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'PutOnHubDriftBus',
                Effect: 'Allow',
                Action: 'events:PutEvents',
                Resource: { Ref: 'HubEventBusArn' },
              },
            ],
          },
        },
      ]),
    );
  });
});
