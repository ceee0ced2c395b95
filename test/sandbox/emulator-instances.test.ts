import { DescribeInstancesCommand, EC2Client, paginateDescribeInstances } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, type Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import {
  assumeRole,
  errorOf,
  MEMBER,
  MEMBER_ROLE,
  memberFleet,
  sdkConfig,
} from '../support/emulator-clients.js';

let fleet: Fleet;
let emulator: AwsEmulator;

beforeEach(async () => {
  fleet = memberFleet();
  emulator = await startAwsEmulator({ fleet, throttle: false });
});

afterEach(async () => {
  await emulator.close();
});

describe('EC2 DescribeInstances', () => {
  it('returns the instance fields the bot reads', async () => {
    const added = fleet.addInstance({
      accountId: MEMBER,
      region: 'eu-west-1',
      launchTime: '2024-05-01T10:00:00Z',
      tags: { Name: 'web & <api>', Owner: 'alice@example.com' },
      metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 2 },
      iamInstanceProfileArn: `arn:aws:iam::${MEMBER}:instance-profile/web`,
      publicIp: '3.4.5.6',
      instanceType: 'm5.large',
    });
    const ec2 = new EC2Client(sdkConfig(emulator.url, await assumeRole(emulator.url, MEMBER_ROLE)));

    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [added.instanceId] }));
    const instance = out.Reservations?.[0]?.Instances?.[0];

    expect(instance).toMatchObject({
      InstanceId: added.instanceId,
      State: { Code: 16, Name: 'running' },
      LaunchTime: new Date('2024-05-01T10:00:00Z'),
      InstanceType: 'm5.large',
      PublicIpAddress: '3.4.5.6',
      IamInstanceProfile: { Arn: `arn:aws:iam::${MEMBER}:instance-profile/web` },
      MetadataOptions: {
        State: 'applied',
        HttpTokens: 'optional',
        HttpPutResponseHopLimit: 2,
        HttpEndpoint: 'enabled',
        HttpProtocolIpv6: 'disabled',
        InstanceMetadataTags: 'disabled',
      },
    });
    expect(instance?.Tags).toEqual([
      { Key: 'Name', Value: 'web & <api>' },
      { Key: 'Owner', Value: 'alice@example.com' },
    ]);
  });

  it.each([
    ['instance-state-name', ['stopped'], ['b']],
    ['metadata-options.http-tokens', ['optional'], ['a', 'b']],
    ['metadata-options.http-endpoint', ['disabled'], ['c']],
    ['metadata-options.state', ['applied'], ['a', 'b', 'c']],
    ['tag:Owner', ['team-*'], ['a', 'c']],
    ['tag-key', ['Owner'], ['a', 'b', 'c']],
  ])('filters on %s', async (name, values, expected) => {
    fleet.addInstance({ tags: { Name: 'a', Owner: 'team-a' }, region: 'eu-west-1' });
    fleet.addInstance({ tags: { Name: 'b', Owner: 'bob' }, state: 'stopped', region: 'eu-west-1' });
    fleet.addInstance({
      tags: { Name: 'c', Owner: 'team-c' },
      metadata: { httpTokens: 'required', httpEndpoint: 'disabled' },
      region: 'eu-west-1',
    });
    const ec2 = new EC2Client(sdkConfig(emulator.url));

    const out = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: name, Values: values }] }));
    const names = out.Reservations?.flatMap((r) => r.Instances ?? []).map(
      (i) => i.Tags?.find((t) => t.Key === 'Name')?.Value,
    );

    expect(names).toEqual(expected);
  });

  it('pages past 1000 instances with MaxResults and NextToken', async () => {
    for (let i = 0; i < 2345; i++) fleet.addInstance({ region: 'eu-west-1' });
    fleet.addInstance({ region: 'us-east-1' });
    const ec2 = new EC2Client(sdkConfig(emulator.url));

    const pages: number[] = [];
    const ids = new Set<string>();
    for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 1000 }, {})) {
      const instances = page.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
      pages.push(instances.length);
      for (const i of instances) ids.add(i.InstanceId ?? '');
    }

    expect(pages).toEqual([1000, 1000, 345]);
    expect(ids.size).toBe(2345);
  });

  it.each([
    [{ MaxResults: 4 }, 'InvalidParameterValue'],
    [{ MaxResults: 1001 }, 'InvalidParameterValue'],
    [{ MaxResults: 10, InstanceIds: ['i-0123456789abcdef0'] }, 'InvalidParameterCombination'],
    [{ InstanceIds: ['i-0123456789abcdef0'] }, 'InvalidInstanceID.NotFound'],
    [{ InstanceIds: ['not-an-id'] }, 'InvalidInstanceID.Malformed'],
    [{ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] }, 'InvalidParameterValue'],
    [{ NextToken: 'garbage' }, 'InvalidPaginationToken'],
  ])('refuses %j with %s', async (input, code) => {
    const ec2 = new EC2Client(sdkConfig(emulator.url));

    const error = await errorOf(ec2.send(new DescribeInstancesCommand(input)));

    expect(error).toMatchObject({ name: code, status: 400 });
  });

  it("does not show another account's instance", async () => {
    const theirs = fleet.addInstance({ accountId: MEMBER, region: 'eu-west-1' });
    const ec2 = new EC2Client(sdkConfig(emulator.url));

    const error = await errorOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: [theirs.instanceId] })));

    expect(error.name).toBe('InvalidInstanceID.NotFound');
  });

  it('shows a terminated instance for the retention time, then not at all', async () => {
    let now = Date.parse('2025-03-01T12:00:00Z');
    const clocked = await startAwsEmulator({ fleet, throttle: false, now: () => new Date(now) });
    const gone = fleet.addInstance({ region: 'eu-west-1' });
    fleet.terminateInstance(gone.instanceId);
    const ec2 = new EC2Client(sdkConfig(clocked.url));

    const during = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [gone.instanceId] }));
    now += 3_600_001;
    const after = await errorOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: [gone.instanceId] })));
    await clocked.close();

    expect(during.Reservations?.[0]?.Instances?.[0]?.State).toEqual({ Code: 48, Name: 'terminated' });
    expect(after.name).toBe('InvalidInstanceID.NotFound');
  });

  it('answers AuthFailure in a region the account has not enabled', async () => {
    const ec2 = new EC2Client(
      sdkConfig(emulator.url, await assumeRole(emulator.url, MEMBER_ROLE), 'ap-southeast-2'),
    );

    const error = await errorOf(ec2.send(new DescribeInstancesCommand({})));

    expect(error).toMatchObject({ name: 'AuthFailure', status: 401 });
  });
});
