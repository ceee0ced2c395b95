import {
  type Account,
  DescribeOrganizationCommand,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListChildren,
  paginateListTagsForResource,
} from '@aws-sdk/client-organizations';
import type { OrganizationScope, OrganizationSelection } from '../../config/workflow-schema.js';
import { isAccountId } from '../../domain/account-id.js';
import type { AccountTarget } from './clients.js';
import { classifyAwsError } from './errors.js';
import { tagRecord } from './tags.js';

/**
 * State, since 9 September 2026 the only field AWS answers; Status (retired, with fewer values)
 * only where State is absent, as older endpoints and emulators still answer.
 */
export const accountStateOf = (a: Pick<Account, 'State' | 'Status'>): string | undefined =>
  a.State ?? a.Status;

async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw classifyAwsError(err, `${what} (Organizations, from the hub)`);
  }
}

async function activeAccounts(orgs: OrganizationsClient): Promise<string[]> {
  return call('ListAccounts', async () => {
    const ids: string[] = [];
    for await (const page of paginateListAccounts({ client: orgs }, {}))
      for (const a of page.Accounts ?? []) if (a.Id && accountStateOf(a) === 'ACTIVE') ids.push(a.Id);
    return ids;
  });
}

/** Every account under a root or OU, nested OUs included, with its depth below it (0: directly in it). */
async function accountsUnder(orgs: OrganizationsClient, parentId: string): Promise<Map<string, number>> {
  const depths = new Map<string, number>();
  const queue: [string, number][] = [[parentId, 0]];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [parent, depth] = next;
    await call(`ListAccountsForParent ${parent}`, async () => {
      for await (const page of paginateListAccountsForParent({ client: orgs }, { ParentId: parent }))
        for (const a of page.Accounts ?? []) if (a.Id && !depths.has(a.Id)) depths.set(a.Id, depth);
    });
    await call(`ListChildren ${parent}`, async () => {
      const input = { ParentId: parent, ChildType: 'ORGANIZATIONAL_UNIT' as const };
      for await (const page of paginateListChildren({ client: orgs }, input))
        for (const c of page.Children ?? []) if (c.Id) queue.push([c.Id, depth + 1]);
    });
  }
  return depths;
}

async function tagsOf(orgs: OrganizationsClient, accountId: string): Promise<Map<string, string>> {
  return call(`ListTagsForResource ${accountId}`, async () => {
    const tags = new Map<string, string>();
    for await (const page of paginateListTagsForResource({ client: orgs }, { ResourceId: accountId }))
      for (const [key, value] of Object.entries(tagRecord(page.Tags))) tags.set(key, value);
    return tags;
  });
}

const hasTag = (tags: Map<string, string>, key: string, values: string[]) => {
  const v = tags.get(key);
  return v !== undefined && values.includes(v);
};

/** What the selection needs to know about one account. */
interface Facts {
  ous: Map<string, Map<string, number>>;
  tags: Map<string, Map<string, string>>;
}

const under = (f: Facts, id: string, ous: string[]) => ous.some((ou) => f.ous.get(ou)?.has(id));

function included(sel: OrganizationSelection | undefined, f: Facts, id: string): boolean {
  if (!sel) return true;
  const byPlace =
    sel.accounts.length + sel.ous.length === 0 || sel.accounts.includes(id) || under(f, id, sel.ous);
  const tags = f.tags.get(id) ?? new Map<string, string>();
  return byPlace && Object.entries(sel.tags).every(([k, v]) => hasTag(tags, k, v));
}

function excluded(sel: OrganizationSelection, f: Facts, id: string): boolean {
  const tags = f.tags.get(id) ?? new Map<string, string>();
  return (
    sel.accounts.includes(id) ||
    under(f, id, sel.ous) ||
    Object.entries(sel.tags).some(([k, v]) => hasTag(tags, k, v))
  );
}

/** The account's own ExternalId, else its nearest OU's, else the organization-wide one. */
function externalIdOf(org: OrganizationScope, f: Facts, id: string): string | undefined {
  const own = org.externalIds[id];
  if (own !== undefined) return own;
  let best: { depth: number; value: string } | undefined;
  for (const [key, value] of Object.entries(org.externalIds)) {
    const depth = f.ous.get(key)?.get(id);
    if (depth !== undefined && (!best || depth < best.depth)) best = { depth, value };
  }
  return best?.value ?? org.externalId;
}

async function factsFor(orgs: OrganizationsClient, org: OrganizationScope, ids: string[]): Promise<Facts> {
  const named = new Set([
    ...(org.include?.ous ?? []),
    ...org.exclude.ous,
    ...Object.keys(org.externalIds).filter((k) => !isAccountId(k)),
  ]);
  const facts: Facts = { ous: new Map(), tags: new Map() };
  for (const ou of named) facts.ous.set(ou, await accountsUnder(orgs, ou));
  const wantTags = Object.keys(org.include?.tags ?? {}).length + Object.keys(org.exclude.tags).length > 0;
  if (!wantTags) return facts;
  // a few at a time: Organizations allows only a handful of calls per second
  for (let i = 0; i < ids.length; i += 4) {
    const batch = ids.slice(i, i + 4);
    const tags = await Promise.all(batch.map((id) => tagsOf(orgs, id)));
    for (const [j, id] of batch.entries()) facts.tags.set(id, tags[j] ?? new Map());
  }
  return facts;
}

/**
 * The organization's ACTIVE accounts the workflow selects, each with the role to assume and its
 * ExternalId. The hub itself (the management or a delegated administrator account) is scanned
 * with its own credentials; the management account only when asked for.
 */
export async function organizationAccounts(
  orgs: OrganizationsClient,
  org: OrganizationScope,
  hub: string,
): Promise<AccountTarget[]> {
  const described = await call('DescribeOrganization', () => orgs.send(new DescribeOrganizationCommand({})));
  const management = described.Organization?.MasterAccountId;
  const candidates = (await activeAccounts(orgs)).filter(
    (id) => org.includeManagementAccount || id !== management,
  );
  const facts = await factsFor(orgs, org, candidates);
  const changeRole = (id: string) =>
    org.changeRoleName ? { changeRoleArn: `arn:aws:iam::${id}:role/${org.changeRoleName}` } : {};
  return candidates
    .filter((id) => included(org.include, facts, id) && !excluded(org.exclude, facts, id))
    .map((id) =>
      id === hub
        ? { accountId: id, roleArn: null, ...changeRole(id) }
        : {
            accountId: id,
            roleArn: `arn:aws:iam::${id}:role/${org.roleName}`,
            ...changeRole(id),
            externalId: externalIdOf(org, facts, id),
          },
    );
}
