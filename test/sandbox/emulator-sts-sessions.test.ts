// The emulator's STS sessions as CloudTrail sees them (SourceIdentity, session name, session
// policy), and its IAM: a session policy's Deny and the role's own policies (deploy/iam/*.json)
// refuse EC2 calls on the real wire format. Real SDK clients over HTTP.
import { readFileSync } from 'node:fs';
import {
  DescribeInstancesCommand,
  EC2Client,
  ModifyInstanceMetadataOptionsCommand,
} from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyDocument } from '../../sandbox/aws/iam-policy.js';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import { READ_ONLY_SESSION_POLICY } from '../../src/adapters/aws/credentials.js';
import { errorOf, HUB, sdkConfig, sessionCredentials } from '../support/emulator-clients.js';

const MEMBER = '444455556666';
const REGION = 'eu-west-1';
const iam = (name: string): PolicyDocument =>
  PolicyDocument.parse(
    JSON.parse(readFileSync(new URL(`../../deploy/iam/${name}.json`, import.meta.url), 'utf8')),
  );
const arn = (role: string) => `arn:aws:iam::${MEMBER}:role/${role}`;

describe('emulator STS sessions and IAM', () => {
  let emulator: AwsEmulator;
  let instanceId: string;
  beforeAll(async () => {
    const fleet = new Fleet({ hubAccountId: '111111111111' });
    fleet.addAccount({
      id: MEMBER,
      regions: [REGION],
      roles: {
        ImdsBotScanner: { policies: [iam('scanner-policy')], allowSourceIdentity: false },
        ImdsBotChange: { policies: [iam('remediation-policy'), iam('rollback-policy')] },
        // a role whose policies are not modelled: everything is allowed but what a session policy takes away
        ImdsBotOneRole: {},
      },
    });
    instanceId = fleet.addInstance({
      accountId: MEMBER,
      region: REGION,
      metadata: { httpTokens: 'optional' },
    }).instanceId;
    emulator = await startAwsEmulator({ fleet, throttle: false, metadataApplyDelayMs: 0 });
  });
  afterAll(async () => emulator?.close());

  const sts = () => new STSClient(sdkConfig(emulator.url, HUB, REGION));
  const assume = (
    role: string,
    extra: { SourceIdentity?: string; Policy?: string; RoleSessionName?: string } = {},
  ) => sts().send(new AssumeRoleCommand({ RoleArn: arn(role), RoleSessionName: 'imds-bot', ...extra }));
  const ec2As = async (role: string, extra: Parameters<typeof assume>[1] = {}) =>
    new EC2Client(
      sdkConfig(emulator.url, sessionCredentials((await assume(role, extra)).Credentials), REGION),
    );
  const modify = (ec2: EC2Client, httpTokens: 'required' | 'optional') =>
    ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: instanceId, HttpTokens: httpTokens }));

  it('records the SourceIdentity and session name of each session, and names them on every call', async () => {
    const out = await assume('ImdsBotChange', {
      SourceIdentity: 'U024BE7LH+Jane.Doe@cr-0a1b2c3d4e5f',
      RoleSessionName: 'imds-bot.cr-0a1b2c3d4e5f.U024BE7LH',
    });
    const ec2 = new EC2Client(sdkConfig(emulator.url, sessionCredentials(out.Credentials), REGION));
    await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));

    const session = emulator.sessions().find((s) => s.accessKeyId === out.Credentials?.AccessKeyId);
    const event = emulator.trail().findLast((e) => e.eventName === 'DescribeInstances');
    expect(out.SourceIdentity).toBe('U024BE7LH+Jane.Doe@cr-0a1b2c3d4e5f');
    expect(session).toMatchObject({
      roleName: 'ImdsBotChange',
      sessionName: 'imds-bot.cr-0a1b2c3d4e5f.U024BE7LH',
      sourceIdentity: 'U024BE7LH+Jane.Doe@cr-0a1b2c3d4e5f',
      sessionPolicy: null,
    });
    expect(event).toMatchObject({
      eventSource: 'ec2.amazonaws.com',
      accountId: MEMBER,
      principalArn: `arn:aws:sts::${MEMBER}:assumed-role/ImdsBotChange/imds-bot.cr-0a1b2c3d4e5f.U024BE7LH`,
      sourceIdentity: 'U024BE7LH+Jane.Doe@cr-0a1b2c3d4e5f',
      errorCode: null,
    });
  });

  it.each([
    ['a space', 'Jane Doe'],
    ['a colon', 'aws:admin'],
    ['one character', 'U'],
    ['65 characters', 'x'.repeat(65)],
  ])('refuses a SourceIdentity with %s (STS constraint)', async (_what, value) => {
    expect(await errorOf(assume('ImdsBotChange', { SourceIdentity: value }))).toMatchObject({
      name: 'ValidationError',
      status: 400,
    });
  });

  it('the change role refuses a session without a SourceIdentity; the scan role refuses one with it', async () => {
    expect(await errorOf(assume('ImdsBotChange'))).toMatchObject({
      name: 'AccessDenied',
      status: 403,
      message: expect.stringContaining('sts:AssumeRole'),
    });
    expect(await errorOf(assume('ImdsBotScanner', { SourceIdentity: 'U1@cr-1' }))).toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('sts:SetSourceIdentity'),
    });
  });

  it("a session policy's Deny refuses EC2 writes with UnauthorizedOperation; reads still work", async () => {
    const ec2 = await ec2As('ImdsBotOneRole', { Policy: READ_ONLY_SESSION_POLICY });

    const read = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const write = await errorOf(modify(ec2, 'required'));

    expect(read.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe(instanceId);
    expect(write).toMatchObject({ name: 'UnauthorizedOperation', status: 403 });
    expect(write.message).toContain(
      `is not authorized to perform: ec2:ModifyInstanceMetadataOptions on resource: arn:aws:ec2:${REGION}:${MEMBER}:instance/${instanceId} with an explicit deny in a session policy`,
    );
    expect(emulator.trail().findLast((e) => e.eventName === 'ModifyInstanceMetadataOptions')).toMatchObject({
      sessionPolicy: true,
      errorCode: 'UnauthorizedOperation',
    });
  });

  it('the same role without the session policy may write', async () => {
    const ec2 = await ec2As('ImdsBotOneRole', { SourceIdentity: 'U1@cr-000000000001' });

    expect((await modify(ec2, 'required')).$metadata.httpStatusCode).toBe(200);
  });

  it('scanner-policy.json allows no write: the scan role is refused by its own policies', async () => {
    const ec2 = await ec2As('ImdsBotScanner');

    const write = await errorOf(modify(ec2, 'required'));

    expect(write).toMatchObject({ name: 'UnauthorizedOperation', status: 403 });
    expect(write.message).toContain(
      'because no identity-based policy allows the ec2:ModifyInstanceMetadataOptions action',
    );
  });

  it('remediation-policy.json and rollback-policy.json: HttpTokens must be given, required or optional', async () => {
    const ec2 = await ec2As('ImdsBotChange', { SourceIdentity: 'U1@cr-000000000002' });

    expect((await modify(ec2, 'optional')).$metadata.httpStatusCode).toBe(200);
    expect((await modify(ec2, 'required')).$metadata.httpStatusCode).toBe(200);
    const hopOnly = await errorOf(
      ec2.send(
        new ModifyInstanceMetadataOptionsCommand({ InstanceId: instanceId, HttpPutResponseHopLimit: 2 }),
      ),
    );
    expect(hopOnly).toMatchObject({ name: 'UnauthorizedOperation' });
  });

  it('refuses a session policy that is not a policy', async () => {
    expect(await errorOf(assume('ImdsBotOneRole', { Policy: '{"Statement": 3' }))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      status: 400,
    });
  });
});
