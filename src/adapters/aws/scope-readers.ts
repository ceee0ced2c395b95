import type { AccountRef } from '../../domain/findings/scan.js';
import type { OpenScope, ScopeReaders } from '../../domain/ports/inventory.js';
import type { AwsClients } from './clients.js';
import { classifyAwsError } from './errors.js';
import { createInventory, type Inventory } from './inventory.js';
import { createUsageReader, type UsageReader } from './usage.js';

export interface ScopeReadersDeps {
  clients: Pick<AwsClients, 'forScope'>;
  inventory?: Inventory;
  usage?: UsageReader;
}

/** Runs one read and turns whatever the SDK threw into a CodedError that says what and where. */
const classified = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (err) {
    throw classifyAwsError(err, what);
  }
};

/**
 * The scan's readers of one account x region over fresh SDK clients (dropped with the job). The
 * inventory and usage readers classify their own errors; the parts are classified here.
 */
export function createScopeReaders(deps: ScopeReadersDeps): OpenScope {
  const inventory = deps.inventory ?? createInventory();
  const usage = deps.usage ?? createUsageReader();
  return (account: AccountRef, region: string): ScopeReaders => {
    const clients = deps.clients.forScope(account, region);
    const scope = { accountId: account.accountId, region };
    const where = `in ${scope.accountId}/${scope.region}`;
    return {
      inventory: {
        instances: () => inventory.instances(clients, scope),
        launchTemplates: () =>
          classified(`launch templates ${where}`, () => inventory.launchTemplates(clients, scope)),
        accountDefault: () =>
          classified(`account default ${where}`, () => inventory.accountDefault(clients, scope)),
        autoScalingGroups: (templates) =>
          classified(`Auto Scaling groups ${where}`, () =>
            inventory.autoScalingGroups(clients, scope, templates),
          ),
        images: (ids) => classified(`AMIs (DescribeImages) ${where}`, () => inventory.images(clients, ids)),
      },
      usage: {
        read: (ids, win, metric) =>
          classified(
            `${metric === 'MetadataNoTokenRejected' ? 'rejected IMDSv1 calls (MetadataNoTokenRejected)' : 'IMDSv1 usage (MetadataNoToken)'} ${where}`,
            () => usage.read(clients.cloudwatch, scope, ids, win, metric),
          ),
      },
    };
  };
}
