import {
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  EC2Client,
  GetInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataDefaultsCommand,
} from '@aws-sdk/client-ec2';
import {
  ListAccountsCommand,
  OrganizationsClient,
  paginateListAccounts,
} from '@aws-sdk/client-organizations';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AwsEmulator,
  type AwsEmulatorOptions,
  Fleet,
  startAwsEmulator,
} from '../../sandbox/aws/index.js';
import { assumeRole, HUB, outcome, sdkConfig } from '../support/emulator-clients.js';

const REGION = 'eu-west-1';
/** The Scanner role of account 222222222222, added by the tests that need it (no ExternalId). */
const SCANNER = { RoleArn: 'arn:aws:iam::222222222222:role/Scanner', RoleSessionName: 'imds-bot' };

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

describe('faults and statistics', () => {
  async function faultPattern(seed: number): Promise<string[]> {
    await start({ throttle: false, faultRate: 0.3, seed });
    const client = ec2();
    const results = [];
    for (let i = 0; i < 30; i++) results.push(await outcome(client.send(new DescribeRegionsCommand({}))));
    await emulator.close();
    return results;
  }

  it('fails a seeded, repeatable share of calls with InternalError (500)', async () => {
    const first = await faultPattern(7);
    const second = await faultPattern(7);
    await start();

    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', 'InternalError/500']));
  });

  it('counts calls by action and scope, over the API and the admin endpoints', async () => {
    fleet.addAccount({ id: '222222222222', roleName: 'Scanner', regions: [REGION] });
    await start({ throttle: false });
    const member = new EC2Client(sdkConfig(emulator.url, await assumeRole(emulator.url, SCANNER)));
    await member.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    await outcome(member.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));

    const remote = (await (await fetch(`${emulator.url}/__emulator/stats`)).json()) as unknown;
    const reset = await fetch(`${emulator.url}/__emulator/reset-stats`, { method: 'POST' });

    expect(remote).toEqual({
      calls: 3,
      byAction: { 'sts:AssumeRole': 1, 'ec2:DescribeInstances': 2 },
      byScope: { [`111111111111:${REGION}`]: 1, [`222222222222:${REGION}`]: 2 },
      throttled: 0,
      throttledByAction: {},
      faulted: 0,
      errorsByCode: { 'InvalidInstanceID.NotFound': 1 },
    });
    expect(reset.status).toBe(200);
    expect(emulator.stats().calls).toBe(0);
  });
});

describe('Organizations ListAccounts', () => {
  it('pages the accounts of the organization from the hub', async () => {
    for (let i = 0; i < 25; i++)
      fleet.addAccount({ id: String(200_000_000_000 + i), state: i === 0 ? 'SUSPENDED' : 'ACTIVE' });
    await start({ throttle: false });
    const org = new OrganizationsClient(sdkConfig(emulator.url, HUB, 'us-east-1'));

    const pages: number[] = [];
    const accounts = [];
    for await (const page of paginateListAccounts({ client: org }, {})) {
      pages.push(page.Accounts?.length ?? 0);
      accounts.push(...(page.Accounts ?? []));
    }

    expect(pages).toEqual([20, 6]);
    expect(accounts[0]).toMatchObject({ Id: '111111111111', State: 'ACTIVE' });
    expect(accounts[1]).toMatchObject({
      Id: '200000000000',
      State: 'SUSPENDED',
      Email: 'aws+200000000000@example.com',
    });
    expect(accounts[1]?.JoinedTimestamp).toBeInstanceOf(Date);
  });

  it('denies a member account', async () => {
    fleet.addAccount({ id: '222222222222', roleName: 'Scanner' });
    await start({ throttle: false });
    const { accessKeyId, secretAccessKey } = await assumeRole(emulator.url, SCANNER);
    const org = new OrganizationsClient(
      sdkConfig(emulator.url, { accessKeyId, secretAccessKey }, 'us-east-1'),
    );

    expect(await outcome(org.send(new ListAccountsCommand({})))).toBe('AccessDeniedException/400');
  });
});

describe('instance metadata defaults', () => {
  it('has no preference at first, then shows what was set, and clears with no-preference', async () => {
    await start({ throttle: false });
    const client = ec2();
    const initial = await client.send(new GetInstanceMetadataDefaultsCommand({}));
    await client.send(
      new ModifyInstanceMetadataDefaultsCommand({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 }),
    );
    const set = await client.send(new GetInstanceMetadataDefaultsCommand({}));
    await client.send(
      new ModifyInstanceMetadataDefaultsCommand({ HttpTokens: 'no-preference', HttpPutResponseHopLimit: -1 }),
    );
    const cleared = await client.send(new GetInstanceMetadataDefaultsCommand({}));

    expect(initial.AccountLevel).toEqual({ ManagedBy: 'account' });
    expect(set.AccountLevel).toEqual({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
      ManagedBy: 'account',
    });
    expect(cleared.AccountLevel).toEqual({ ManagedBy: 'account' });
  });

  it('refuses to modify a default owned by a declarative policy', async () => {
    await start({ throttle: false });
    const client = ec2();
    fleet.setAccountDefault(fleet.hubAccountId, '*', {
      httpTokens: 'required',
      managedBy: 'declarative-policy',
      managedExceptionMessage: 'Ask the platform team.',
    });

    const read = await client.send(new GetInstanceMetadataDefaultsCommand({}));
    const error = await client
      .send(new ModifyInstanceMetadataDefaultsCommand({ HttpTokens: 'optional' }))
      .catch((e: unknown) => e as Error);

    expect(read.AccountLevel).toEqual({
      HttpTokens: 'required',
      ManagedBy: 'declarative-policy',
      ManagedExceptionMessage: 'Ask the platform team.',
    });
    expect(error).toMatchObject({ name: 'UnauthorizedOperation' });
    expect((error as Error).message).toContain('declarative policy');
  });
});
