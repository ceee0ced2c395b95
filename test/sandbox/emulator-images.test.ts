import { DescribeImagesCommand, EC2Client, paginateDescribeImages } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import { assumeRole, outcome, sdkConfig } from '../support/emulator-clients.js';

const MEMBER = '222222222222';
let fleet: Fleet;
let emulator: AwsEmulator;

const ec2 = async () => {
  const credentials = await assumeRole(emulator.url, {
    RoleArn: `arn:aws:iam::${MEMBER}:role/ImdsBotScanner`,
    RoleSessionName: 'images-test',
  });
  return new EC2Client(sdkConfig(emulator.url, credentials, 'eu-west-1'));
};

beforeEach(() => {
  fleet = new Fleet();
  fleet.addAccount({ id: MEMBER });
  fleet.images.add({ imageId: 'ami-00000001', region: 'eu-west-1', ownerId: MEMBER, name: 'legacy' });
  fleet.images.add({
    imageId: 'ami-00000002',
    region: 'eu-west-1',
    ownerId: MEMBER,
    name: 'al2023',
    imdsSupport: 'v2.0',
  });
  fleet.images.add({
    imageId: 'ami-00000003',
    region: 'eu-west-1',
    ownerId: '333333333333',
    name: 'shared',
    sharedWith: [MEMBER],
  });
  fleet.images.add({
    imageId: 'ami-00000004',
    region: 'eu-west-1',
    ownerId: '333333333333',
    name: 'private',
  });
  fleet.images.add({ imageId: 'ami-00000005', region: 'us-east-1', ownerId: MEMBER, name: 'other-region' });
});

afterEach(async () => {
  await emulator.close();
});

describe('EC2 DescribeImages', () => {
  it('answers ImdsSupport v2.0 where the AMI was registered so, nothing otherwise', async () => {
    emulator = await startAwsEmulator({ fleet, throttle: false });

    const out = await (await ec2()).send(
      new DescribeImagesCommand({ ImageIds: ['ami-00000001', 'ami-00000002', 'ami-00000003'] }),
    );

    expect(out.Images?.map((i) => [i.ImageId, i.Name, i.ImdsSupport, i.OwnerId])).toEqual([
      ['ami-00000001', 'legacy', undefined, MEMBER],
      ['ami-00000002', 'al2023', 'v2.0', MEMBER],
      ['ami-00000003', 'shared', undefined, '333333333333'],
    ]);
  });

  it('pages what the account may see in the region; Owner self and the imds-support filter narrow it', async () => {
    emulator = await startAwsEmulator({ fleet, throttle: false });
    const client = await ec2();

    const all = [];
    for await (const page of paginateDescribeImages({ client, pageSize: 5 }, {}))
      all.push(...(page.Images ?? []));
    const own = await client.send(new DescribeImagesCommand({ Owners: ['self'] }));
    const v2 = await client.send(
      new DescribeImagesCommand({ Filters: [{ Name: 'imds-support', Values: ['v2.0'] }] }),
    );

    expect(all.map((i) => i.ImageId)).toEqual(['ami-00000001', 'ami-00000002', 'ami-00000003']);
    expect(own.Images?.map((i) => i.ImageId)).toEqual(['ami-00000001', 'ami-00000002']);
    expect(v2.Images?.map((i) => i.ImageId)).toEqual(['ami-00000002']);
  });

  it('an AMI the account cannot see, or a malformed id, is the error EC2 answers', async () => {
    emulator = await startAwsEmulator({ fleet, throttle: false });
    const client = await ec2();

    expect(await outcome(client.send(new DescribeImagesCommand({ ImageIds: ['ami-00000004'] })))).toBe(
      'InvalidAMIID.NotFound/400',
    );
    expect(await outcome(client.send(new DescribeImagesCommand({ ImageIds: ['not-an-ami'] })))).toBe(
      'InvalidAMIID.Malformed/400',
    );
  });
});
