import { CodedError, errorMessage } from '../../domain/errors.js';
import { needsUsage } from '../../domain/findings/classify.js';
import type { AccountRef } from '../../domain/findings/scan.js';
import type { DriftReader } from '../../domain/ports/drift.js';
import type { AwsClients } from './clients.js';
import { instancesById } from './inventory.js';
import { readAutoScalingGroups } from './prevention.js';
import { createUsageReader } from './usage.js';

export interface DriftReaderDeps {
  clients: Pick<AwsClients, 'forScope'>;
  /** the account's role, as the scan resolves it (an account outside the workflow is refused) */
  accountFor: (accountId: string) => Promise<AccountRef>;
  log: { warn(meta: object, msg: string): void };
}

/**
 * The instances of one drift event, read with the scan's own inventory and usage readers in the
 * member account (its role assumed as for a scan). The instances are the core: their failure is
 * thrown (classified; an id EC2 does not know yet is transient, the event is retried). The groups
 * and the usage are parts: their failure is said, and the instances are kept.
 */
export function createDriftReader(deps: DriftReaderDeps): DriftReader {
  const usage = createUsageReader();
  return {
    async read(scope, instanceIds, templates, win) {
      const clients = deps.clients.forScope(await deps.accountFor(scope.accountId), scope.region);
      const read = await instancesById(clients.ec2, scope, instanceIds).catch((err: unknown) => {
        // right after RunInstances, DescribeInstances may not know the id yet (eventual consistency)
        if (err instanceof CodedError && err.code === 'InvalidInstanceID.NotFound')
          throw new CodedError(err.code, err.message, { transient: true, cause: err });
        throw err;
      });
      for (const e of read.errors)
        deps.log.warn({ ...scope, problem: e.message }, 'drift: instance unreadable');
      let groupsRead = true;
      const groups = read.instances.some((i) => i.asg !== null)
        ? await readAutoScalingGroups(clients.autoScaling, clients.ec2, scope, templates).catch(
            (err: unknown) => {
              groupsRead = false;
              deps.log.warn(
                { ...scope, problem: errorMessage(err) },
                'drift: Auto Scaling groups unreadable',
              );
              return [];
            },
          )
        : [];
      const ids = read.instances.filter(needsUsage).map((i) => i.instanceId);
      let usageError: string | null = null;
      const used = await usage.read(clients.cloudwatch, scope, ids, win).catch((err: unknown) => {
        usageError = errorMessage(err);
        return new Map();
      });
      return {
        instances: read.instances,
        gone: read.gone,
        autoScalingGroups: groups,
        groupsRead,
        usage: used,
        usageError,
      };
    },
  };
}
