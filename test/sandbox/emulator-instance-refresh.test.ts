import {
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import { HUB, outcome, sdkConfig } from '../support/emulator-clients.js';

const REGION = 'eu-west-1';
let clock: number;
let fleet: Fleet;
let emulator: AwsEmulator;

const asg = () => new AutoScalingClient(sdkConfig(emulator.url, HUB, REGION));
const ec2 = () => new EC2Client(sdkConfig(emulator.url, HUB, REGION));

let templateId: string;

/** Template v1 allows IMDSv1, v2 (now the default) requires tokens; the group is pinned to v1, its 4 instances from it. */
function fleetWithFixedTemplate(): void {
  fleet = new Fleet({ now: () => new Date(clock) });
  const hub = fleet.hubAccountId;
  const lt = fleet.addLaunchTemplate({
    accountId: hub,
    region: REGION,
    versions: [
      { metadataOptions: { httpTokens: 'optional' } },
      { metadataOptions: { httpTokens: 'required' } },
    ],
    defaultVersion: 2,
  });
  templateId = lt.launchTemplateId;
  fleet.addAutoScalingGroup({
    accountId: hub,
    region: REGION,
    name: 'web',
    launchTemplate: { id: lt.launchTemplateId, version: '1' },
  });
  for (let i = 0; i < 4; i++)
    fleet.addInstance({
      accountId: hub,
      region: REGION,
      asg: 'web',
      launchTemplate: { id: lt.launchTemplateId, version: 1 },
    });
  fleet.refreshes.stepMs = 1000;
}

/** The fixed version, as StartInstanceRefresh's DesiredConfiguration names it. */
const toV2 = () => ({ LaunchTemplate: { LaunchTemplateId: templateId, Version: '2' } });

const groupVersion = async () => {
  const out = await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }));
  return out.AutoScalingGroups?.[0]?.LaunchTemplate?.Version;
};

const latest = async () => {
  const out = await asg().send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'web' }));
  const r = out.InstanceRefreshes?.[0];
  return [r?.Status, r?.PercentageComplete, r?.StatusReason];
};

const tokensOfRunning = async () => {
  const out = await ec2().send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }),
  );
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.MetadataOptions?.HttpTokens);
};

beforeEach(async () => {
  clock = Date.parse('2026-12-01T00:00:00.000Z');
  fleetWithFixedTemplate();
  emulator = await startAwsEmulator({ fleet, throttle: false, now: () => new Date(clock) });
});

afterEach(async () => {
  await emulator.close();
});

describe('Auto Scaling instance refresh (awsQuery)', () => {
  it('replaces the group in batches sized by MinHealthyPercentage, waits at the checkpoint, ends Successful', async () => {
    const started = await asg().send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: 'web',
        DesiredConfiguration: toV2(),
        Preferences: {
          MinHealthyPercentage: 50,
          CheckpointPercentages: [50, 100],
          CheckpointDelay: 60,
          AutoRollback: true,
        },
      }),
    );
    expect(started.InstanceRefreshId).toMatch(/refresh/);
    expect(await latest()).toEqual(['InProgress', 0, undefined]);

    clock += 1000;
    expect(await latest()).toEqual(['InProgress', 50, 'Waiting for checkpoint at 50%']);
    clock += 30_000;
    expect((await latest())[1]).toBe(50);
    expect(await groupVersion()).toBe('1');
    clock += 31_000;
    expect(await latest()).toEqual(['Successful', 100, undefined]);
    expect(await tokensOfRunning()).toEqual(['required', 'required', 'required', 'required']);
    expect(await groupVersion()).toBe('2');

    const described = await asg().send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'web' }));
    expect(described.InstanceRefreshes?.[0]?.Preferences).toMatchObject({
      MinHealthyPercentage: 50,
      CheckpointPercentages: [50, 100],
      CheckpointDelay: 60,
      AutoRollback: true,
    });
  });

  it('a failure with AutoRollback puts the replaced instances back on the version they came from', async () => {
    fleet.refreshes.failNext('web', 1);
    await asg().send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: 'web',
        DesiredConfiguration: toV2(),
        Preferences: { MinHealthyPercentage: 75, AutoRollback: true },
      }),
    );
    clock += 1000;
    expect((await latest())[0]).toBe('RollbackInProgress');
    clock += 1000;
    expect((await latest())[0]).toBe('RollbackSuccessful');
    expect(await tokensOfRunning()).toEqual(['optional', 'optional', 'optional', 'optional']);
    expect(await groupVersion()).toBe('1');
  });

  it('rollback on request, cancel, and the errors Auto Scaling answers', async () => {
    const start = () =>
      asg().send(
        new StartInstanceRefreshCommand({
          AutoScalingGroupName: 'web',
          DesiredConfiguration: toV2(),
          Preferences: { MinHealthyPercentage: 75 },
        }),
      );
    await start();
    expect(await outcome(start())).toBe('InstanceRefreshInProgressFault/400');
    clock += 1000;
    await asg().send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web' }));
    expect(
      await outcome(asg().send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web' }))),
    ).toBe('IrreversibleInstanceRefreshFault/400');
    clock += 1000;
    expect(await latest()).toEqual(['RollbackSuccessful', 0, 'Rollback requested by the user']);

    await start();
    await asg().send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'web' }));
    expect((await latest())[0]).toBe('Cancelled');
    expect(await outcome(asg().send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'web' })))).toBe(
      'ActiveInstanceRefreshNotFoundFault/400',
    );
    expect(await outcome(asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'nope' })))).toBe(
      'ValidationError/400',
    );
  });

  it('AutoRollback on a group without a launch template is refused', async () => {
    fleet.addAutoScalingGroup({
      accountId: fleet.hubAccountId,
      region: REGION,
      name: 'old',
      launchConfigurationName: 'lc',
    });
    const out = await outcome(
      asg().send(
        new StartInstanceRefreshCommand({ AutoScalingGroupName: 'old', Preferences: { AutoRollback: true } }),
      ),
    );
    expect(out).toBe('ValidationError/400');
  });

  it('AutoRollback and RollbackInstanceRefresh need a desired configuration on a group pinned to a numbered version', async () => {
    const autoRollback = (extra: object) =>
      outcome(
        asg().send(
          new StartInstanceRefreshCommand({
            AutoScalingGroupName: 'web',
            Preferences: { AutoRollback: true },
            ...extra,
          }),
        ),
      );
    expect(await autoRollback({})).toBe('ValidationError/400');
    fleet.addAutoScalingGroup({
      accountId: fleet.hubAccountId,
      region: REGION,
      name: 'floating',
      launchTemplate: { id: templateId },
    });
    expect(
      await outcome(
        asg().send(
          new StartInstanceRefreshCommand({
            AutoScalingGroupName: 'floating',
            DesiredConfiguration: toV2(),
            Preferences: { AutoRollback: true },
          }),
        ),
      ),
    ).toBe('IrreversibleInstanceRefreshFault/400');

    await asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'web' }));
    expect(
      await outcome(asg().send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web' }))),
    ).toBe('IrreversibleInstanceRefreshFault/400');
  });

  it("the group's tags are described (how EKS node groups and ECS capacity providers are told apart)", async () => {
    fleet.addAutoScalingGroup({
      accountId: fleet.hubAccountId,
      region: REGION,
      name: 'eks-nodes',
      launchTemplate: { id: templateId },
      tags: { 'eks:nodegroup-name': 'ng-1', 'eks:cluster-name': 'prod' },
    });
    const out = await asg().send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['eks-nodes'] }),
    );
    expect(out.AutoScalingGroups?.[0]?.Tags?.map((t) => [t.Key, t.Value])).toEqual([
      ['eks:nodegroup-name', 'ng-1'],
      ['eks:cluster-name', 'prod'],
    ]);
  });
});
