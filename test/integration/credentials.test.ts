import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { createRoleCredentials } from '../../src/adapters/aws/credentials.js';

const MEMBER = '232323232323';
const target = {
  accountId: MEMBER,
  roleArn: `arn:aws:iam::${MEMBER}:role/ImdsBotScanner`,
  externalId: 'ext-1',
};

describe('role credentials', () => {
  let emulator: AwsEmulator;
  let sts: STSClient;
  beforeAll(async () => {
    const fleet = new Fleet();
    fleet.addAccount({ id: MEMBER, externalId: 'ext-1', regions: ['eu-west-1'] });
    emulator = await startAwsEmulator({ fleet, throttle: false });
    sts = new STSClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAHUB', secretAccessKey: 's' },
    });
  });
  afterAll(async () => emulator?.close());

  const assumeCalls = () => emulator.stats().byAction['sts:AssumeRole'] ?? 0;

  it('shares one AssumeRole between concurrent callers and later calls', async () => {
    emulator.resetStats();
    const roles = createRoleCredentials({ sts, sessionName: 'imds-bot-test' });
    const got = await Promise.all(Array.from({ length: 17 }, () => roles.get(target)));
    await roles.get(target);
    expect(new Set(got.map((c) => c.accessKeyId)).size).toBe(1);
    expect(assumeCalls()).toBe(1);
  });

  it('assumes again shortly before the credentials expire', async () => {
    emulator.resetStats();
    let now = Date.now();
    const roles = createRoleCredentials({
      sts,
      sessionName: 'imds-bot-test',
      durationSeconds: 900,
      refreshBeforeMs: 5 * 60_000,
      now: () => now,
    });
    const first = await roles.get(target);
    now += 9 * 60_000; // 6 minutes left: still fresh
    expect((await roles.get(target)).accessKeyId).toBe(first.accessKeyId);
    now += 2 * 60_000; // 4 minutes left: inside the refresh margin
    const second = await roles.get(target);
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(assumeCalls()).toBe(2);
  });

  const names = (requestId: string, userId: string) => ({
    sessionName: `imds-bot.${requestId}.${userId}`,
    sourceIdentity: `${userId}@${requestId}`,
  });
  const keyOf = async (p: () => Promise<{ accessKeyId: string }>) => (await p()).accessKeyId;

  it('a change never gets the scan session, nor another request or approver’s session; one request shares one', async () => {
    emulator.resetStats();
    const roles = createRoleCredentials({ sts, sessionName: 'imds-bot-test' });

    const scan = await keyOf(roles.providerFor(target));
    const a = roles.changeProviderFor(target, names('cr-000000000001', 'U1'));
    const [first, again] = [
      await keyOf(a),
      await keyOf(roles.changeProviderFor(target, names('cr-000000000001', 'U1'))),
    ];
    const otherRequest = await keyOf(roles.changeProviderFor(target, names('cr-000000000002', 'U1')));
    const otherApprover = await keyOf(roles.changeProviderFor(target, names('cr-000000000001', 'U2')));

    expect(new Set([scan, first, otherRequest, otherApprover]).size).toBe(4);
    expect(again).toBe(first);
    expect(assumeCalls()).toBe(4);
    const sessions = emulator.sessions().slice(-4);
    expect(sessions.map((s) => [s.sessionName, s.sourceIdentity, s.sessionPolicy !== null])).toEqual([
      ['imds-bot-test', null, true],
      ['imds-bot.cr-000000000001.U1', 'U1@cr-000000000001', false],
      ['imds-bot.cr-000000000002.U1', 'U1@cr-000000000002', false],
      ['imds-bot.cr-000000000001.U2', 'U2@cr-000000000001', false],
    ]);
    expect(sessions.slice(1).map((s) => s.expiresAt - s.issuedAt)).toEqual([900_000, 900_000, 900_000]);
  });

  it('keeps at most maxSessions sessions, dropping the oldest', async () => {
    emulator.resetStats();
    const roles = createRoleCredentials({ sts, sessionName: 'imds-bot-test', maxSessions: 2 });

    for (const id of ['cr-000000000011', 'cr-000000000012', 'cr-000000000013'])
      await roles.changeProviderFor(target, names(id, 'U1'))();
    await roles.changeProviderFor(target, names('cr-000000000013', 'U1'))();
    await roles.changeProviderFor(target, names('cr-000000000011', 'U1'))();

    expect(assumeCalls()).toBe(4);
  });

  it('does not cache a refusal: the next call asks again', async () => {
    emulator.resetStats();
    const roles = createRoleCredentials({ sts, sessionName: 'imds-bot-test' });
    const wrong = { ...target, externalId: 'not-it' };
    await expect(roles.get(wrong)).rejects.toMatchObject({ code: 'AccessDenied', transient: false });
    await expect(roles.get(wrong)).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(assumeCalls()).toBe(2);
  });
});
