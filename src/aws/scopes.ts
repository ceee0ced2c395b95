import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { paginateListAccounts } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Workflow } from '../config/workflow-schema.js';
import type { ScanError } from '../domain/model.js';
import type { AccountTarget, AwsClients } from './clients.js';
import { classifyAwsError, scanErrorOf } from './errors.js';

export interface ScopePlan {
  targets: { account: AccountTarget; regions: string[] }[];
  /** accounts that cannot be scanned at all (AssumeRole refused, regions unreadable) */
  errors: ScanError[];
}

type Clients = Pick<AwsClients, 'sts' | 'organizations' | 'checkAccess' | 'forScope'>;

async function hubAccountId(clients: Clients): Promise<string> {
  try {
    const me = await clients.sts.send(new GetCallerIdentityCommand({}));
    if (!me.Account) throw new Error('GetCallerIdentity returned no account');
    return me.Account;
  } catch (err) {
    throw classifyAwsError(err, 'GetCallerIdentity (the hub credentials)');
  }
}

async function organizationAccounts(
  clients: Clients,
  org: { roleName: string; externalId?: string | undefined; exclude: string[] },
  hub: string,
) {
  const accounts: AccountTarget[] = [];
  try {
    for await (const page of paginateListAccounts({ client: clients.organizations }, {})) {
      for (const a of page.Accounts ?? []) {
        if (!a.Id || a.Status !== 'ACTIVE' || org.exclude.includes(a.Id)) continue;
        accounts.push(
          a.Id === hub
            ? { accountId: a.Id, roleArn: null }
            : {
                accountId: a.Id,
                roleArn: `arn:aws:iam::${a.Id}:role/${org.roleName}`,
                externalId: org.externalId,
              },
        );
      }
    }
  } catch (err) {
    throw classifyAwsError(err, 'Organizations ListAccounts');
  }
  return accounts;
}

/** The accounts a workflow names. Needs the hub's identity only for 'self' and organizations. */
export async function resolveAccounts(
  clients: Clients,
  accounts: Workflow['scope']['accounts'],
): Promise<AccountTarget[]> {
  if (Array.isArray(accounts)) {
    return accounts.map((a) => ({ accountId: a.id, roleArn: a.roleArn, externalId: a.externalId }));
  }
  const hub = await hubAccountId(clients);
  if (accounts === 'self') return [{ accountId: hub, roleArn: null }];
  return organizationAccounts(clients, accounts.organization, hub);
}

async function enabledRegions(
  clients: Clients,
  account: AccountTarget,
  hubRegion: string,
): Promise<string[]> {
  const out = await clients.forScope(account, hubRegion).ec2.send(new DescribeRegionsCommand({}));
  return (out.Regions ?? []).flatMap((r) => (r.RegionName ? [r.RegionName] : [])).sort();
}

/**
 * Which account x region pairs to scan. One AssumeRole per account up front: an account whose
 * role is refused becomes one clear error, and the others go on.
 */
export async function planScopes(
  clients: Clients,
  workflow: Workflow,
  hubRegion: string,
  only?: { accountId?: string | undefined; region?: string | undefined },
): Promise<ScopePlan> {
  const all = await resolveAccounts(clients, workflow.scope.accounts);
  const accounts = only?.accountId ? all.filter((a) => a.accountId === only.accountId) : all;
  const plan: ScopePlan = { targets: [], errors: [] };
  await Promise.all(
    accounts.map(async (account) => {
      try {
        await clients.checkAccess(account);
      } catch (err) {
        const e = classifyAwsError(err, `AssumeRole into ${account.accountId}`);
        plan.errors.push(scanErrorOf({ accountId: account.accountId, region: null }, 'credentials', e));
        return;
      }
      try {
        const regions =
          workflow.scope.regions === 'all'
            ? await enabledRegions(clients, account, hubRegion)
            : workflow.scope.regions;
        plan.targets.push({
          account,
          regions: only?.region ? regions.filter((r) => r === only.region) : regions,
        });
      } catch (err) {
        const e = classifyAwsError(err, `DescribeRegions in ${account.accountId}`);
        plan.errors.push(scanErrorOf({ accountId: account.accountId, region: null }, 'regions', e));
      }
    }),
  );
  plan.targets.sort((a, b) => a.account.accountId.localeCompare(b.account.accountId));
  return plan;
}
