import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
  paginateDescribeLaunchTemplateVersions,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AwsEmulator,
  Fleet,
  type LaunchTemplateRecord,
  startAwsEmulator,
} from '../../sandbox/aws/index.js';
import { sdkConfig } from '../support/emulator-clients.js';

const REGION = 'eu-west-1';

let fleet: Fleet;
let emulator: AwsEmulator;
let ec2: EC2Client;
let enforcing: LaunchTemplateRecord;
let loose: LaunchTemplateRecord;

beforeEach(async () => {
  fleet = new Fleet();
  enforcing = fleet.addLaunchTemplate({
    region: REGION,
    name: 'web',
    versions: [
      { instanceType: 't3.micro' },
      { instanceType: 't3.large', metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } },
    ],
    defaultVersion: 2,
  });
  loose = fleet.addLaunchTemplate({
    region: REGION,
    name: 'batch',
    versions: [{}, {}, { metadataOptions: { httpTokens: 'optional' } }],
  });
  emulator = await startAwsEmulator({ fleet, throttle: false });
  ec2 = new EC2Client(sdkConfig(emulator.url));
});

afterEach(async () => {
  await emulator.close();
});

const errorName = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'no error',
    (e: unknown) => (e as Error).name,
  );

describe('launch templates', () => {
  it('DescribeLaunchTemplates pages through the templates', async () => {
    const first = await ec2.send(new DescribeLaunchTemplatesCommand({ MaxResults: 1 }));
    const second = await ec2.send(
      new DescribeLaunchTemplatesCommand({ MaxResults: 1, NextToken: first.NextToken }),
    );

    expect(
      first.LaunchTemplates?.map((t) => [
        t.LaunchTemplateName,
        t.DefaultVersionNumber,
        t.LatestVersionNumber,
      ]),
    ).toEqual([['web', 2, 2]]);
    expect(second.LaunchTemplates?.map((t) => t.LaunchTemplateName)).toEqual(['batch']);
    expect(second.NextToken).toBeUndefined();
  });

  it('reads every default version of the scope without a template id', async () => {
    const versions = [];
    for await (const page of paginateDescribeLaunchTemplateVersions(
      { client: ec2, pageSize: 1 },
      { Versions: ['$Default'] },
    )) {
      versions.push(...(page.LaunchTemplateVersions ?? []));
    }

    expect(
      versions.map((v) => [
        v.LaunchTemplateId,
        v.VersionNumber,
        v.DefaultVersion,
        v.LaunchTemplateData?.MetadataOptions,
      ]),
    ).toEqual([
      [enforcing.launchTemplateId, 2, true, { HttpTokens: 'required', HttpPutResponseHopLimit: 2 }],
      [loose.launchTemplateId, 1, true, undefined],
    ]);
  });

  it('reads numbered, $Latest and $Default versions of one template', async () => {
    const out = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: loose.launchTemplateId,
        Versions: ['2', '$Latest', '$Default'],
      }),
    );

    expect(out.LaunchTemplateVersions?.map((v) => v.VersionNumber)).toEqual([2, 3, 1]);
    expect(out.LaunchTemplateVersions?.[1]?.LaunchTemplateData?.MetadataOptions).toEqual({
      HttpTokens: 'optional',
    });
  });

  it.each([
    [{ LaunchTemplateId: 'lt-0123456789abcdef0', Versions: ['1'] }, 'InvalidLaunchTemplateId.NotFound'],
    [{ LaunchTemplateId: 'lt-bad', Versions: ['1'] }, 'InvalidLaunchTemplateId.Malformed'],
    [{ LaunchTemplateName: 'nope' }, 'InvalidLaunchTemplateName.NotFoundException'],
    [{ Versions: ['1'] }, 'InvalidParameterCombination'],
  ])('DescribeLaunchTemplateVersions %j fails with %s', async (input, code) => {
    expect(await errorName(ec2.send(new DescribeLaunchTemplateVersionsCommand(input)))).toBe(code);
  });

  it('CreateLaunchTemplateVersion copies the source version and overlays the metadata options', async () => {
    const created = await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: enforcing.launchTemplateId,
        SourceVersion: '2',
        VersionDescription: 'imds-bot: require tokens',
        LaunchTemplateData: { MetadataOptions: { HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled' } },
      }),
    );
    const modified = await ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: enforcing.launchTemplateId, DefaultVersion: '3' }),
    );

    expect(created.LaunchTemplateVersion).toMatchObject({
      VersionNumber: 3,
      DefaultVersion: false,
      VersionDescription: 'imds-bot: require tokens',
      LaunchTemplateData: {
        InstanceType: 't3.large',
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 3, HttpEndpoint: 'enabled' },
      },
    });
    expect(modified.LaunchTemplate).toMatchObject({ DefaultVersionNumber: 3, LatestVersionNumber: 3 });
  });

  it('ModifyLaunchTemplate refuses a version that does not exist', async () => {
    const name = await errorName(
      ec2.send(
        new ModifyLaunchTemplateCommand({ LaunchTemplateId: loose.launchTemplateId, DefaultVersion: '9' }),
      ),
    );

    expect(name).toBe('InvalidLaunchTemplateId.VersionNotFound');
  });
});

describe('Auto Scaling groups', () => {
  it('describes groups with their launch source and instances, 100 a page at most', async () => {
    fleet.addAutoScalingGroup({
      region: REGION,
      name: 'web-asg',
      launchTemplate: { id: enforcing.launchTemplateId, version: '$Latest' },
    });
    fleet.addAutoScalingGroup({
      region: REGION,
      name: 'mixed-asg',
      launchTemplate: { id: loose.launchTemplateId },
      mixedInstancesPolicy: true,
    });
    fleet.addAutoScalingGroup({ region: REGION, name: 'legacy-asg', launchConfigurationName: 'legacy-lc' });
    for (let i = 0; i < 120; i++) fleet.addAutoScalingGroup({ region: REGION, name: `filler-${i}` });
    const member = fleet.addInstance({ region: REGION, asg: 'web-asg' });
    const client = new AutoScalingClient(sdkConfig(emulator.url));

    const pages: number[] = [];
    const groups = [];
    for await (const page of paginateDescribeAutoScalingGroups({ client, pageSize: 100 }, {})) {
      pages.push(page.AutoScalingGroups?.length ?? 0);
      groups.push(...(page.AutoScalingGroups ?? []));
    }
    const tooMany = await errorName(client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 })));

    expect(pages).toEqual([100, 23]);
    expect(groups[0]).toMatchObject({
      AutoScalingGroupName: 'web-asg',
      LaunchTemplate: {
        LaunchTemplateId: enforcing.launchTemplateId,
        LaunchTemplateName: 'web',
        Version: '$Latest',
      },
      Instances: [{ InstanceId: member.instanceId, LaunchTemplate: { Version: '2' } }],
    });
    expect(groups[1]?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification).toEqual({
      LaunchTemplateId: loose.launchTemplateId,
      LaunchTemplateName: 'batch',
      Version: '$Default',
    });
    expect(groups[2]).toMatchObject({ LaunchConfigurationName: 'legacy-lc', Instances: [] });
    expect(tooMany).toBe('ValidationError');
  });

  it('tags a group member with the group and the launch template version it came from', async () => {
    fleet.addAutoScalingGroup({
      region: REGION,
      name: 'web-asg',
      launchTemplate: { id: enforcing.launchTemplateId },
    });

    const member = fleet.addInstance({ region: REGION, asg: 'web-asg' });

    expect(member.tags).toEqual({
      'aws:autoscaling:groupName': 'web-asg',
      'aws:ec2launchtemplate:id': enforcing.launchTemplateId,
      'aws:ec2launchtemplate:version': '2',
    });
    expect(member.metadata.httpTokens).toBe('required');
  });
});
