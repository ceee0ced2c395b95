import { paginateDescribeInstances } from '@aws-sdk/client-ec2';
import type { Instance, ScanError, Scope, ScopeInventory } from '../domain/model.js';
import type { Logger } from '../log.js';
import type { ScopeClients } from './clients.js';
import { classifyAwsError } from './errors.js';
import { mapInstance } from './map-instance.js';
import { readAccountDefault, readAutoScalingGroups, readLaunchTemplates } from './prevention.js';

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

export interface InventoryResult {
  inventory: ScopeInventory;
  /** parts of the scope that could not be read (permanent errors); transient ones are thrown */
  errors: ScanError[];
}

export interface InventoryDeps {
  log: Logger;
}

export function createInventory({ log }: InventoryDeps) {
  async function listInstances(
    ec2: ScopeClients['ec2'],
    scope: Scope,
    errors: ScanError[],
  ): Promise<Instance[]> {
    const input = { Filters: [{ Name: 'instance-state-name', Values: LIVE_STATES }] };
    const instances: Instance[] = [];
    try {
      for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 1000 }, input)) {
        for (const reservation of page.Reservations ?? []) {
          for (const raw of reservation.Instances ?? []) {
            const mapped = mapInstance(raw, scope.accountId, scope.region);
            if (mapped.ok) instances.push(mapped.instance);
            else
              errors.push({
                ...scope,
                stage: 'inventory',
                code: 'UnexpectedInstanceShape',
                message: `${mapped.instanceId}: ${mapped.problem}`,
              });
          }
        }
      }
    } catch (err) {
      throw classifyAwsError(err, `DescribeInstances in ${scope.accountId}/${scope.region}`);
    }
    return instances;
  }

  /** Runs a part that may fail for lack of permission without failing the scope. */
  async function part<T>(
    stage: ScanError['stage'],
    scope: Scope,
    errors: ScanError[],
    fallback: T,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const coded = classifyAwsError(err, `${stage} in ${scope.accountId}/${scope.region}`);
      if (coded.transient) throw coded;
      log.warn({ scope, stage, code: coded.code }, 'scope part unreadable');
      errors.push({ ...scope, stage, code: coded.code, message: coded.message });
      return fallback;
    }
  }

  return {
    /** Reads one account x region. Throws transient errors (the job retries); records the rest. */
    async readScope(clients: ScopeClients, scope: Scope): Promise<InventoryResult> {
      const errors: ScanError[] = [];
      const { ec2 } = clients;
      const [instances, launchTemplates, accountDefault] = await Promise.all([
        listInstances(ec2, scope, errors),
        part('launch-templates', scope, errors, [], () => readLaunchTemplates(ec2, scope)),
        part('account-default', scope, errors, null, () => readAccountDefault(ec2, scope)),
      ]);
      const autoScalingGroups = await part('auto-scaling', scope, errors, [], () =>
        readAutoScalingGroups(clients.autoScaling, ec2, scope, launchTemplates),
      );
      return {
        inventory: { ...scope, instances, launchTemplates, autoScalingGroups, accountDefault },
        errors,
      };
    },
  };
}
export type Inventory = ReturnType<typeof createInventory>;
