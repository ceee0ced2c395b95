import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../src/sandbox/aws/index.js';

const HUB = { accessKeyId: 'AKIAHUBEXAMPLE', secretAccessKey: 'hub-secret' };
const MEMBER = '222222222222';
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const cfg = (url: string, credentials: Creds = HUB, region = 'eu-west-1') => ({
  endpoint: url,
  region,
  credentials,
  maxAttempts: 1,
});

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode ?? 0 };
  }
  throw new Error('expected the call to fail');
}

let fleet: Fleet;
let emulator: AwsEmulator;

beforeEach(async () => {
  fleet = new Fleet({ hubAccountId: '111111111111' });
  fleet.addAccount({
    id: MEMBER,
    roleName: 'Scanner',
    externalId: 'ext-123',
    regions: ['eu-west-1', 'us-east-1'],
  });
  fleet.addAccount({ id: '333333333333', roleName: 'Scanner', denyAssumeRole: true });
  emulator = await startAwsEmulator({ fleet, throttle: false });
});

afterEach(async () => {
  await emulator.close();
});

async function assume(
  roleArn = `arn:aws:iam::${MEMBER}:role/Scanner`,
  externalId = 'ext-123',
): Promise<Creds> {
  const sts = new STSClient(cfg(emulator.url));
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'imds-bot', ExternalId: externalId }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('no credentials');
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

describe('STS', () => {
  it('AssumeRole returns temporary credentials that act in the member account', async () => {
    const sts = new STSClient(cfg(emulator.url));
    const before = Date.now();

    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${MEMBER}:role/Scanner`,
        RoleSessionName: 'imds-bot',
        ExternalId: 'ext-123',
        DurationSeconds: 900,
      }),
    );
    const creds = out.Credentials;
    const who = await new STSClient(
      cfg(emulator.url, {
        accessKeyId: creds?.AccessKeyId ?? '',
        secretAccessKey: creds?.SecretAccessKey ?? '',
        sessionToken: creds?.SessionToken ?? '',
      }),
    ).send(new GetCallerIdentityCommand({}));

    expect(creds?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds?.Expiration?.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 899_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/Scanner/imds-bot`);
    expect(who.Account).toBe(MEMBER);
    expect(who.Arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/Scanner/imds-bot`);
  });

  it('refuses temporary credentials once they have expired', async () => {
    let now = Date.parse('2025-03-15T12:00:00Z');
    const clocked = await startAwsEmulator({ fleet, throttle: false, now: () => new Date(now) });
    const sts = new STSClient(cfg(clocked.url));
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${MEMBER}:role/Scanner`,
        RoleSessionName: 'imds-bot',
        ExternalId: 'ext-123',
        DurationSeconds: 900,
      }),
    );
    const ec2 = new EC2Client(
      cfg(clocked.url, {
        accessKeyId: out.Credentials?.AccessKeyId ?? '',
        secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
        sessionToken: out.Credentials?.SessionToken ?? '',
      }),
    );

    const fresh = await ec2.send(new DescribeRegionsCommand({}));
    now += 900_000;
    const expired = await errorOf(ec2.send(new DescribeRegionsCommand({})));
    await clocked.close();

    expect(out.Credentials?.Expiration).toEqual(new Date('2025-03-15T12:15:00Z'));
    expect(fresh.Regions).toHaveLength(2);
    expect(expired).toMatchObject({ name: 'ExpiredToken', status: 400 });
  });

  it('GetCallerIdentity maps an unknown access key to the hub account', async () => {
    const who = await new STSClient(cfg(emulator.url)).send(new GetCallerIdentityCommand({}));

    expect(who.Account).toBe('111111111111');
  });

  it.each([
    ['a wrong ExternalId', `arn:aws:iam::${MEMBER}:role/Scanner`, 'wrong'],
    ['a wrong role name', `arn:aws:iam::${MEMBER}:role/Other`, 'ext-123'],
    ['an unknown account', 'arn:aws:iam::444444444444:role/Scanner', 'ext-123'],
    ['an account that denies', 'arn:aws:iam::333333333333:role/Scanner', 'ext-123'],
  ])('AssumeRole with %s is AccessDenied (403)', async (_case, roleArn, externalId) => {
    const error = await errorOf(assume(roleArn, externalId));

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
    const ec2 = new EC2Client(cfg(emulator.url, await assume()));

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
    const ec2 = new EC2Client(cfg(emulator.url));

    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await ec2.send(new DescribeRegionsCommand({}))).$metadata.requestId),
    );

    expect(new Set(ids).size).toBe(3);
  });
});
