import { EC2Client } from '@aws-sdk/client-ec2';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterEach, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { readImages, readOrganizationPolicies } from '../../src/adapters/aws/guardrails.js';
import { amisWithoutV2 } from '../../src/domain/guardrails/amis.js';
import { organizationCoverage } from '../../src/domain/guardrails/coverage.js';
import { assumeRole, HUB, sdkConfig } from '../support/emulator-clients.js';

let emulator: AwsEmulator | undefined;

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const REQUIRE = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
    },
  ],
});

describe('guardrails read from the organization over the real Organizations client', () => {
  it('reads the tree, the SCPs and declarative policies with their targets; coverage names the bare OU', async () => {
    const fleet = new Fleet();
    const prod = fleet.organization.addOrganizationalUnit({ name: 'prod' });
    const sandbox = fleet.organization.addOrganizationalUnit({ name: 'sandbox' });
    fleet.addAccount({ id: '222222222222', name: 'web', parentId: prod });
    fleet.addAccount({ id: '333333333333', name: 'play', parentId: sandbox });
    fleet.organization.addPolicy({
      name: 'require-imdsv2',
      type: 'SERVICE_CONTROL_POLICY',
      content: REQUIRE,
      targets: [prod],
    });
    fleet.organization.addPolicy({
      name: 'imds-defaults',
      type: 'DECLARATIVE_POLICY_EC2',
      content: JSON.stringify({
        ec2_attributes: { instance_metadata_defaults: { http_tokens: { '@@assign': 'required' } } },
      }),
      targets: [prod],
    });
    emulator = await startAwsEmulator({ fleet, throttle: false });

    const read = await readOrganizationPolicies(
      new OrganizationsClient(sdkConfig(emulator.url, HUB, 'us-east-1')),
    );
    const coverage = organizationCoverage(read.units, read.accounts, read.policies);

    expect(read.partial).toEqual([]);
    expect(read.units.map((u) => u.name)).toEqual(['Root', 'prod', 'sandbox']);
    const web = coverage.accounts.find((a) => a.accountId === '222222222222');
    expect(web?.protections.map((p) => [p.kind, p.policyName])).toEqual([
      ['launch-requires-tokens', 'require-imdsv2'],
    ]);
    expect(web?.declarativeRequiresTokens).toBe(true);
    expect(coverage.unprotectedOus.map((o) => o.name)).toEqual(['Root', 'sandbox']);
  });

  it('reads ImdsSupport of the AMIs in use; a deregistered one is absent and listed as not described', async () => {
    const fleet = new Fleet();
    fleet.addAccount({ id: '222222222222' });
    fleet.images.add({
      imageId: 'ami-00000001',
      region: 'eu-west-1',
      ownerId: '222222222222',
      name: 'legacy',
    });
    fleet.images.add({
      imageId: 'ami-00000002',
      region: 'eu-west-1',
      ownerId: '222222222222',
      imdsSupport: 'v2.0',
    });
    fleet.images.add({
      imageId: 'ami-00000003',
      region: 'eu-west-1',
      ownerId: '222222222222',
      deregistered: true,
    });
    emulator = await startAwsEmulator({ fleet, throttle: false });
    const credentials = await assumeRole(emulator.url, {
      RoleArn: 'arn:aws:iam::222222222222:role/ImdsBotScanner',
      RoleSessionName: 'guardrails-test',
    });

    const used = [
      { instanceId: 'i-1', imageId: 'ami-00000001' },
      { instanceId: 'i-2', imageId: 'ami-00000002' },
      { instanceId: 'i-3', imageId: 'ami-00000003' },
    ];
    const images = await readImages(
      new EC2Client(sdkConfig(emulator.url, credentials)),
      used.map((u) => u.imageId),
    );

    expect(images).toEqual([
      { imageId: 'ami-00000001', name: 'legacy', imdsSupport: null },
      { imageId: 'ami-00000002', name: 'ami-00000002', imdsSupport: 'v2.0' },
    ]);
    expect(amisWithoutV2(images, used).map((r) => [r.imageId, r.described, r.instances])).toEqual([
      ['ami-00000001', true, ['i-1']],
      ['ami-00000003', false, ['i-3']],
    ]);
  });
});
