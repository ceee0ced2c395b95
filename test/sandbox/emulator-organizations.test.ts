import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  paginateListAccountsForParent,
  paginateListChildren,
} from '@aws-sdk/client-organizations';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import { HUB, outcome, sdkConfig } from '../support/emulator-clients.js';

let fleet: Fleet;
let emulator: AwsEmulator;

const org = () => new OrganizationsClient(sdkConfig(emulator.url, HUB, 'us-east-1'));

beforeEach(() => {
  fleet = new Fleet();
});

afterEach(async () => {
  await emulator.close();
});

describe('Organizations ListAccounts, as AWS answers after 9 September 2026', () => {
  it('carries State and no Status by default', async () => {
    fleet.addAccount({ id: '222222222222', state: 'PENDING_CLOSURE' });
    emulator = await startAwsEmulator({ fleet, throttle: false });

    const out = await org().send(new ListAccountsCommand({}));

    expect(out.Accounts?.map((a) => [a.Id, a.State, a.Status])).toEqual([
      ['111111111111', 'ACTIVE', undefined],
      ['222222222222', 'PENDING_CLOSURE', undefined],
    ]);
  });

  it.each([
    ['Status', undefined, 'SUSPENDED'],
    ['State+Status', 'CLOSED', 'SUSPENDED'],
  ] as const)('answers the older shape (%s) when told to', async (fields, state, status) => {
    fleet.addAccount({ id: '222222222222', state: 'CLOSED' });
    fleet.organization.accountStateFields = fields;
    emulator = await startAwsEmulator({ fleet, throttle: false });

    const out = await org().send(new ListAccountsCommand({}));

    expect(out.Accounts?.[1]).toMatchObject({ Id: '222222222222' });
    expect([out.Accounts?.[1]?.State, out.Accounts?.[1]?.Status]).toEqual([state, status]);
  });
});

describe('Organizations structure', () => {
  it('lists the root, nested OUs, the accounts of each parent, account tags and the management account', async () => {
    const prod = fleet.organization.addOrganizationalUnit({ name: 'prod' });
    const web = fleet.organization.addOrganizationalUnit({ name: 'web', parentId: prod });
    fleet.addAccount({ id: '222222222222', parentId: prod });
    fleet.addAccount({ id: '333333333333', parentId: web, tags: { team: 'web', env: 'prod' } });
    emulator = await startAwsEmulator({ fleet, throttle: false });
    const client = org();

    const roots = await client.send(new ListRootsCommand({}));
    const rootId = roots.Roots?.[0]?.Id ?? '';
    const ous = async (parentId: string) => {
      const ids: string[] = [];
      const input = { ParentId: parentId, ChildType: 'ORGANIZATIONAL_UNIT' as const };
      for await (const page of paginateListChildren({ client }, input))
        ids.push(...(page.Children ?? []).map((c) => c.Id ?? ''));
      return ids;
    };
    const accountsIn = async (parentId: string) => {
      const ids: string[] = [];
      for await (const page of paginateListAccountsForParent({ client }, { ParentId: parentId }))
        ids.push(...(page.Accounts ?? []).map((a) => a.Id ?? ''));
      return ids;
    };
    const tags = await client.send(new ListTagsForResourceCommand({ ResourceId: '333333333333' }));
    const described = await client.send(new DescribeOrganizationCommand({}));

    expect(rootId).toBe(fleet.organization.rootId);
    expect(await ous(rootId)).toEqual([prod]);
    expect(await ous(prod)).toEqual([web]);
    expect(await accountsIn(rootId)).toEqual(['111111111111']);
    expect(await accountsIn(prod)).toEqual(['222222222222']);
    expect(await accountsIn(web)).toEqual(['333333333333']);
    expect(tags.Tags).toEqual([
      { Key: 'team', Value: 'web' },
      { Key: 'env', Value: 'prod' },
    ]);
    expect(described.Organization?.MasterAccountId).toBe('111111111111');
  });

  it('answers an unknown parent or account as Organizations does', async () => {
    emulator = await startAwsEmulator({ fleet, throttle: false });
    const client = org();

    const parent = await outcome(
      paginateListAccountsForParent({ client }, { ParentId: 'ou-1111-99999999' }).next(),
    );
    const tags = await outcome(client.send(new ListTagsForResourceCommand({ ResourceId: '999999999999' })));

    expect(parent).toBe('ParentNotFoundException/400');
    expect(tags).toBe('TargetNotFoundException/400');
  });
});
