import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, type Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import {
  assumeRole,
  errorOf,
  MEMBER,
  MEMBER_ROLE,
  memberFleet,
  sdkConfig,
  sessionCredentials,
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

describe('STS', () => {
  it('AssumeRole returns temporary credentials that act in the member account', async () => {
    const sts = new STSClient(sdkConfig(emulator.url));
    const before = Date.now();

    const out = await sts.send(new AssumeRoleCommand({ ...MEMBER_ROLE, DurationSeconds: 900 }));
    const creds = out.Credentials;
    const who = await new STSClient(sdkConfig(emulator.url, sessionCredentials(creds))).send(
      new GetCallerIdentityCommand({}),
    );

    expect(creds?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds?.Expiration?.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 899_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/Scanner/imds-bot`);
    expect(who.Account).toBe(MEMBER);
    expect(who.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/Scanner/imds-bot`);
  });

  it('refuses temporary credentials once they have expired', async () => {
    let now = Date.parse('2025-03-15T12:00:00Z');
    const clocked = await startAwsEmulator({ fleet, throttle: false, now: () => new Date(now) });
    const sts = new STSClient(sdkConfig(clocked.url));
    const out = await sts.send(new AssumeRoleCommand({ ...MEMBER_ROLE, DurationSeconds: 900 }));
    const ec2 = new EC2Client(sdkConfig(clocked.url, sessionCredentials(out.Credentials)));

    const fresh = await ec2.send(new DescribeRegionsCommand({}));
    now += 900_000;
    const expired = await errorOf(ec2.send(new DescribeRegionsCommand({})));
    await clocked.close();

    expect(out.Credentials?.Expiration).toEqual(new Date('2025-03-15T12:15:00Z'));
    expect(fresh.Regions).toHaveLength(2);
    expect(expired).toMatchObject({ name: 'ExpiredToken', status: 400 });
  });

  it('GetCallerIdentity maps an unknown access key to the hub account', async () => {
    const who = await new STSClient(sdkConfig(emulator.url)).send(new GetCallerIdentityCommand({}));

    expect(who.Account).toBe('111111111111');
  });

  it.each([
    ['a wrong ExternalId', `arn:aws:iam::${MEMBER}:role/Scanner`, 'wrong'],
    ['a wrong role name', `arn:aws:iam::${MEMBER}:role/Other`, 'ext-123'],
    ['an unknown account', 'arn:aws:iam::444444444444:role/Scanner', 'ext-123'],
    ['an account that denies', 'arn:aws:iam::333333333333:role/Scanner', 'ext-123'],
  ])('AssumeRole with %s is AccessDenied (403)', async (_case, roleArn, externalId) => {
    const error = await errorOf(
      assumeRole(emulator.url, { ...MEMBER_ROLE, RoleArn: roleArn, ExternalId: externalId }),
    );

    expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(error.message).toContain(roleArn);
  });

  it('refuses a request without an Authorization header', async () => {
    const res = await fetch(emulator.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeRegions&Version=2016-11-15',
    });
    const body = await res.text();

    expect(res.status).toBe(403);
    expect(body).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('EC2 DescribeRegions', () => {
  it('lists the enabled regions, and the disabled ones with AllRegions', async () => {
    const ec2 = new EC2Client(sdkConfig(emulator.url, await assumeRole(emulator.url, MEMBER_ROLE)));

    const enabled = await ec2.send(new DescribeRegionsCommand({}));
    const all = await ec2.send(new DescribeRegionsCommand({ AllRegions: true }));

    expect(enabled.Regions?.map((r) => [r.RegionName, r.OptInStatus])).toEqual([
      ['eu-west-1', 'opt-in-not-required'],
      ['us-east-1', 'opt-in-not-required'],
    ]);
    expect(all.Regions?.find((r) => r.RegionName === 'af-south-1')?.OptInStatus).toBe('not-opted-in');
    expect(all.Regions?.find((r) => r.RegionName === 'eu-central-1')?.OptInStatus).toBe('not-opted-in');
  });

  it('gives every response its own request id', async () => {
    const ec2 = new EC2Client(sdkConfig(emulator.url));

    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await ec2.send(new DescribeRegionsCommand({}))).$metadata.requestId),
    );

    expect(new Set(ids).size).toBe(3);
  });
});
