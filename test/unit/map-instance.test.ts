import type { Instance as AwsInstance } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { containerHostOf, mapInstance } from '../../src/adapters/aws/map-instance.js';
import { tagRecord } from '../../src/adapters/aws/tags.js';
import { ACCOUNT_ID, REGION } from '../support/factories.js';

/** Only what DescribeInstances must return for mapInstance to accept an instance. */
const minimal = (): AwsInstance => ({
  InstanceId: 'i-0minimal',
  State: { Name: 'running' },
  MetadataOptions: { HttpTokens: 'optional' },
});

const full = (): AwsInstance => ({
  InstanceId: 'i-0123456789abcdef0',
  State: { Code: 16, Name: 'running' },
  LaunchTime: new Date('2024-03-01T08:15:00.000Z'),
  Tags: [
    { Key: 'Name', Value: 'web-1' },
    { Key: 'Owner', Value: 'alice@example.com' },
    { Key: 'aws:autoscaling:groupName', Value: 'web-asg' },
    { Key: 'aws:ec2launchtemplate:id', Value: 'lt-0abc' },
    { Key: 'aws:ec2launchtemplate:version', Value: '7' },
    { Key: 'eks:cluster-name', Value: 'main' },
    { Key: 'Empty' },
  ],
  MetadataOptions: {
    HttpTokens: 'required',
    HttpEndpoint: 'enabled',
    HttpPutResponseHopLimit: 2,
    State: 'pending',
    InstanceMetadataTags: 'enabled',
    HttpProtocolIpv6: 'enabled',
  },
  IamInstanceProfile: { Arn: 'arn:aws:iam::123456789012:instance-profile/web', Id: 'AIPAEXAMPLE' },
  PublicIpAddress: '203.0.113.10',
  PrivateIpAddress: '10.0.0.10',
});

describe('mapInstance', () => {
  it('keeps a tag named __proto__ as a tag, not as the prototype of the tag record', () => {
    const r = mapInstance(
      {
        ...minimal(),
        Tags: [{ Key: '__proto__', Value: 'x' }, { Key: 'Owner', Value: 'bob' }, { Value: 'no key' }],
      },
      ACCOUNT_ID,
      REGION,
    );
    if (!r.ok) throw new Error(r.problem);
    expect(Object.getPrototypeOf(r.instance.tags)).toBe(Object.prototype);
    expect(Object.entries(r.instance.tags)).toEqual([
      ['__proto__', 'x'],
      ['Owner', 'bob'],
    ]);
  });

  it('builds the tag record as Object.fromEntries would: repeated keys, odd keys, missing values', () => {
    const lists = [
      [],
      [{ Key: 'a', Value: '1' }, { Key: 'b' }, { Key: 'a', Value: '2' }],
      [
        { Key: '__proto__', Value: 'p' },
        { Key: 'constructor', Value: 'c' },
        { Key: '__proto__', Value: 'q' },
      ],
      [
        { Key: '', Value: 'empty key' },
        { Value: 'no key' },
        { Key: 'toString', Value: 't' },
        { Key: '10', Value: 'n' },
      ],
    ];
    for (const tags of lists) {
      const reference = Object.fromEntries(
        tags.flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? '']])),
      );
      const record = tagRecord(tags);
      expect(Object.entries(record)).toEqual(Object.entries(reference));
      expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    }
  });

  it('maps every field of a full SDK instance', () => {
    expect(mapInstance(full(), ACCOUNT_ID, REGION)).toEqual({
      ok: true,
      instance: {
        instanceId: 'i-0123456789abcdef0',
        accountId: ACCOUNT_ID,
        region: REGION,
        name: 'web-1',
        state: 'running',
        launchTime: '2024-03-01T08:15:00.000Z',
        tags: {
          Name: 'web-1',
          Owner: 'alice@example.com',
          'aws:autoscaling:groupName': 'web-asg',
          'aws:ec2launchtemplate:id': 'lt-0abc',
          'aws:ec2launchtemplate:version': '7',
          'eks:cluster-name': 'main',
          Empty: '',
        },
        metadata: {
          httpTokens: 'required',
          httpEndpoint: 'enabled',
          hopLimit: 2,
          state: 'pending',
          instanceMetadataTags: 'enabled',
          httpProtocolIpv6: 'enabled',
        },
        iamInstanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/web',
        publicIp: '203.0.113.10',
        asg: 'web-asg',
        launchTemplate: { id: 'lt-0abc', version: '7' },
        containerHost: 'eks',
      },
    });
  });

  it('gives missing optional fields their defaults', () => {
    expect(mapInstance(minimal(), ACCOUNT_ID, REGION)).toEqual({
      ok: true,
      instance: {
        instanceId: 'i-0minimal',
        accountId: ACCOUNT_ID,
        region: REGION,
        name: null,
        state: 'running',
        launchTime: '1970-01-01T00:00:00.000Z',
        tags: {},
        metadata: {
          httpTokens: 'optional',
          httpEndpoint: 'enabled',
          hopLimit: 1,
          state: 'applied',
          instanceMetadataTags: 'disabled',
          httpProtocolIpv6: 'disabled',
        },
        iamInstanceProfileArn: null,
        publicIp: null,
        asg: null,
        launchTemplate: null,
        containerHost: null,
      },
    });
  });

  it('reads a launch template without a version tag as $Default', () => {
    const raw = { ...minimal(), Tags: [{ Key: 'aws:ec2launchtemplate:id', Value: 'lt-0abc' }] };

    const result = mapInstance(raw, ACCOUNT_ID, REGION);

    expect(result.ok && result.instance.launchTemplate).toEqual({ id: 'lt-0abc', version: '$Default' });
  });

  it('skips tags without a key', () => {
    const raw = { ...minimal(), Tags: [{ Value: 'orphan' }, { Key: 'team', Value: 'data' }] };

    const result = mapInstance(raw, ACCOUNT_ID, REGION);

    expect(result.ok && result.instance.tags).toEqual({ team: 'data' });
  });

  it.each([
    { what: 'a terminated instance', raw: { State: { Name: 'terminated' } }, field: 'State.Name' },
    { what: 'no State', raw: { State: undefined }, field: 'State' },
    {
      what: 'no HttpTokens',
      raw: { MetadataOptions: { HttpEndpoint: 'enabled' } },
      field: 'MetadataOptions.HttpTokens',
    },
    { what: 'no MetadataOptions', raw: { MetadataOptions: undefined }, field: 'MetadataOptions' },
    {
      what: 'an unknown HttpEndpoint',
      raw: { MetadataOptions: { HttpTokens: 'optional', HttpEndpoint: 'maybe' } },
      field: 'MetadataOptions.HttpEndpoint',
    },
  ] as { what: string; raw: Partial<AwsInstance>; field: string }[])(
    'rejects $what, naming $field',
    ({ raw, field }) => {
      const result = mapInstance({ ...minimal(), ...raw }, ACCOUNT_ID, REGION);

      expect(result.ok).toBe(false);
      expect(result).toMatchObject({ instanceId: 'i-0minimal' });
      expect(result.ok ? '' : result.problem).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
    },
  );

  it('names an instance without an id as (no id)', () => {
    const { InstanceId: _dropped, ...raw } = minimal();

    const result = mapInstance(raw, ACCOUNT_ID, REGION);

    expect(result).toMatchObject({ ok: false, instanceId: '(no id)' });
  });
});

describe('containerHostOf', () => {
  it.each([
    { tags: { 'eks:cluster-name': 'main' }, want: 'eks' },
    { tags: { 'eks:nodegroup-name': 'ng-1' }, want: 'eks' },
    { tags: { 'alpha.eksctl.io/cluster-name': 'main' }, want: 'eks' },
    { tags: { 'karpenter.sh/nodepool': 'default' }, want: 'eks' },
    { tags: { 'kubernetes.io/cluster/main': 'owned' }, want: 'eks' },
    { tags: { AmazonECSManaged: '' }, want: 'ecs' },
    { tags: { 'aws:ecs:clusterName': 'batch' }, want: 'ecs' },
    { tags: { 'aws:ecs:serviceName': 'api' }, want: 'ecs' },
    { tags: { 'eks:cluster-name': 'main', 'aws:ecs:clusterName': 'batch' }, want: 'eks' },
    { tags: { Name: 'eks-like-name', Owner: 'ecs-team' }, want: null },
    { tags: {}, want: null },
  ])('$tags -> $want', ({ tags, want }) => {
    expect(containerHostOf(tags)).toBe(want);
  });

  it('recognises an ECS host through mapInstance', () => {
    const raw = { ...minimal(), Tags: [{ Key: 'AmazonECSManaged', Value: '' }] };

    const result = mapInstance(raw, ACCOUNT_ID, REGION);

    expect(result.ok && result.instance.containerHost).toBe('ecs');
  });
});
