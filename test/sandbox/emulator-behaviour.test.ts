import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  EC2Client,
  ModifyInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataOptionsCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AwsEmulator,
  type AwsEmulatorOptions,
  Fleet,
  startAwsEmulator,
} from '../../sandbox/aws/index.js';
import { outcome, sdkConfig } from '../support/emulator-clients.js';

const REGION = 'eu-west-1';

let now: number;
let fleet: Fleet;
let emulator: AwsEmulator;

const clock = () => new Date(now);
const ec2 = () => new EC2Client(sdkConfig(emulator.url));

async function start(options: Partial<AwsEmulatorOptions> = {}): Promise<void> {
  emulator = await startAwsEmulator({ fleet, now: clock, ...options });
}

beforeEach(() => {
  now = Date.parse('2025-03-15T12:00:00Z');
  fleet = new Fleet({ now: clock });
});

afterEach(async () => {
  await emulator.close();
});

describe('ModifyInstanceMetadataOptions', () => {
  it('shows new values at once, pending until the apply delay has passed', async () => {
    await start({ throttle: false, metadataApplyDelayMs: 300 });
    const id = fleet.addInstance({
      region: REGION,
      metadata: { httpTokens: 'optional', httpPutResponseHopLimit: 2 },
    }).instanceId;
    const client = ec2();
    const options = async () =>
      (await client.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]
        ?.Instances?.[0]?.MetadataOptions;

    const answer = await client.send(
      new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: 'required' }),
    );
    const during = await options();
    now += 300;
    const after = await options();

    expect(answer.InstanceMetadataOptions).toMatchObject({
      State: 'pending',
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
    });
    expect(during).toMatchObject({ State: 'pending', HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
    expect(after).toMatchObject({ State: 'applied', HttpTokens: 'required' });
  });

  it('counts per instance the calls that turned HttpTokens to required, and only those', async () => {
    await start({ throttle: false });
    const id = fleet.addInstance({ region: REGION }).instanceId;
    const send = (HttpTokens: 'optional' | 'required') =>
      ec2().send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens }));

    await send('required');
    await send('required'); // already required: no change
    const once = fleet.instance(id)?.tokensRequiredChanges;
    await send('optional');
    await send('required');

    expect([once, fleet.instance(id)?.tokensRequiredChanges]).toEqual([1, 2]);
  });

  it('answers InvalidInstanceID.NotFound for unknown and terminated instances', async () => {
    await start({ throttle: false });
    const gone = fleet.addInstance({ region: REGION }).instanceId;
    fleet.terminateInstance(gone);
    const client = ec2();

    const unknown = await outcome(
      client.send(
        new ModifyInstanceMetadataOptionsCommand({
          InstanceId: 'i-0123456789abcdef0',
          HttpTokens: 'required',
        }),
      ),
    );
    const terminated = await outcome(
      client.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: gone, HttpTokens: 'required' })),
    );

    expect([unknown, terminated]).toEqual([
      'InvalidInstanceID.NotFound/400',
      'InvalidInstanceID.NotFound/400',
    ]);
  });

  it('answers DryRunOperation without changing anything', async () => {
    await start({ throttle: false });
    const instance = fleet.addInstance({ region: REGION });

    const result = await outcome(
      ec2().send(
        new ModifyInstanceMetadataOptionsCommand({
          InstanceId: instance.instanceId,
          HttpTokens: 'required',
          DryRun: true,
        }),
      ),
    );

    expect(result).toBe('DryRunOperation/412');
    expect(instance.metadata.httpTokens).toBe('optional');
  });
});

describe('throttling', () => {
  it('answers RequestLimitExceeded (503) per account × region × action once the bucket is empty', async () => {
    await start({ throttle: { ec2Describe: { burst: 3, refillPerSecond: 1 } } });
    const client = ec2();

    const results = [];
    for (let i = 0; i < 4; i++) results.push(await outcome(client.send(new DescribeRegionsCommand({}))));
    const otherAction = await outcome(client.send(new DescribeInstancesCommand({ MaxResults: 5 })));
    now += 1000;
    const refilled = await outcome(client.send(new DescribeRegionsCommand({})));

    expect(results).toEqual(['ok', 'ok', 'ok', 'RequestLimitExceeded/503']);
    expect(otherAction).toBe('ok');
    expect(refilled).toBe('ok');
    expect(emulator.stats()).toMatchObject({ throttled: 1, throttledByAction: { 'ec2:DescribeRegions': 1 } });
  });

  it('limits ModifyInstanceMetadataDefaults to a burst of 2 by default', async () => {
    await start();
    const client = ec2();

    const results = [];
    for (let i = 0; i < 3; i++)
      results.push(
        await outcome(client.send(new ModifyInstanceMetadataDefaultsCommand({ HttpTokens: 'required' }))),
      );

    expect(results).toEqual(['ok', 'ok', 'RequestLimitExceeded/503']);
  });

  it('answers Throttling for CloudWatch', async () => {
    await start({ throttle: { cloudWatch: { burst: 1, refillPerSecond: 1 } } });
    const cw = new CloudWatchClient(sdkConfig(emulator.url));
    const metric = {
      Namespace: 'AWS/EC2',
      MetricName: 'MetadataNoToken',
      Dimensions: [{ Name: 'InstanceId', Value: 'i-0123456789abcdef0' }],
    };
    const MetricDataQueries = [{ Id: 'q', MetricStat: { Metric: metric, Period: 300, Stat: 'Sum' } }];
    const call = () =>
      outcome(
        cw.send(
          new GetMetricDataCommand({
            MetricDataQueries,
            StartTime: new Date(now - 3_600_000),
            EndTime: new Date(now),
          }),
        ),
      );

    const results = [await call(), await call()];

    expect(results).toEqual(['ok', 'Throttling/400']);
  });

  it('can be switched off', async () => {
    await start({ throttle: false });
    const client = ec2();

    const results = new Set<string>();
    for (let i = 0; i < 5; i++)
      results.add(
        await outcome(client.send(new ModifyInstanceMetadataDefaultsCommand({ HttpTokens: 'required' }))),
      );

    expect([...results]).toEqual(['ok']);
  });
});
