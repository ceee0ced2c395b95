import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { SELF, type Workflow } from '../../config/workflow-schema.js';
import { CodedError } from '../../domain/errors.js';
import type { ScanError } from '../../domain/findings/model.js';
import { scanErrorOf } from '../../domain/findings/scan.js';
import type { AccountTarget, AwsClients } from './clients.js';
import { classifyAwsError } from './errors.js';
import { organizationAccounts } from './organization.js';

export interface ScopePlan {
  targets: { account: AccountTarget; regions: string[] }[];
  /** accounts that cannot be scanned at all (AssumeRole refused, regions unreadable) */
  errors: ScanError[];
  /** worth telling, not errors: opt-in regions skipped because an account has not enabled them */
  notes: string[];
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

/** The accounts a workflow names. Needs the hub's identity only for 'self' and organizations. */
export async function resolveAccounts(
  clients: Clients,
  accounts: Workflow['scope']['accounts'],
): Promise<AccountTarget[]> {
  if (Array.isArray(accounts)) {
    const hub = accounts.includes(SELF) ? await hubAccountId(clients) : null;
    return accounts.map((a) =>
      a === SELF
        ? { accountId: hub ?? '', roleArn: null }
        : {
            accountId: a.id,
            roleArn: a.roleArn,
            ...(a.changeRoleArn ? { changeRoleArn: a.changeRoleArn } : {}),
            externalId: a.externalId,
          },
    );
  }
  const hub = await hubAccountId(clients);
  if (accounts === SELF) return [{ accountId: hub, roleArn: null }];
  return organizationAccounts(clients.organizations, accounts.organization, hub);
}

/**
 * The role for an account of the workflow, resolved once (GetCallerIdentity / ListAccounts, as
 * a scan plans them); an account the workflow does not name is refused.
 */
export function accountResolver(clients: Clients, workflow: Workflow) {
  let all: Promise<AccountTarget[]> | null = null;
  return async (accountId: string): Promise<AccountTarget> => {
    all ??= resolveAccounts(clients, workflow.scope.accounts);
    const found = (await all).find((a) => a.accountId === accountId);
    if (!found)
      throw new CodedError('unknown-account', `account ${accountId} is not in workflow "${workflow.name}"`);
    return found;
  };
}

/** The regions an account has enabled, and the opt-in regions it has not (skipped). */
async function enabledRegions(
  clients: Clients,
  account: AccountTarget,
  hubRegion: string,
): Promise<{ enabled: string[]; notOptedIn: string[] }> {
  const ec2 = clients.forScope(account, hubRegion).ec2;
  const out = await ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
  const names = (optedIn: boolean) =>
    (out.Regions ?? [])
      .flatMap((r) => (r.RegionName && (r.OptInStatus !== 'not-opted-in') === optedIn ? [r.RegionName] : []))
      .sort();
  return { enabled: names(true), notOptedIn: names(false) };
}

/** One note per set of skipped regions: "… not enabled in 3 accounts (…): af-south-1, me-south-1". */
function skippedNotes(skipped: Map<string, string[]>): string[] {
  const byRegions = new Map<string, string[]>();
  for (const [accountId, regions] of [...skipped].sort()) {
    if (regions.length === 0) continue;
    const key = regions.join(', ');
    byRegions.set(key, [...(byRegions.get(key) ?? []), accountId]);
  }
  return [...byRegions].map(([regions, ids]) => {
    const who =
      ids.length === 1
        ? `account ${ids[0]}`
        : `${ids.length} accounts (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''})`;
    return `regions: all skipped opt-in regions not enabled in ${who}: ${regions}`;
  });
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
  const plan: ScopePlan = { targets: [], errors: [], notes: [] };
  const skipped = new Map<string, string[]>();
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
        let regions = workflow.scope.regions === 'all' ? [] : workflow.scope.regions;
        if (workflow.scope.regions === 'all') {
          const found = await enabledRegions(clients, account, hubRegion);
          regions = found.enabled;
          skipped.set(account.accountId, found.notOptedIn);
        }
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
  plan.notes = skippedNotes(skipped);
  return plan;
}
