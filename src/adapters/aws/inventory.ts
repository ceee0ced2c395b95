import type { Instance, ScanError, Scope } from '../../domain/findings/model.js';
import type { AccountRef } from '../../domain/findings/scan.js';
import type { OpenScope, ScopeReaders } from '../../domain/ports/inventory.js';
import type { AwsClients, ScopeClients } from './clients.js';
import { classifyAwsError } from './errors.js';
import { describeInstancesCommand } from './fast-reads.js';
import { readImages } from './guardrails.js';
import { mapInstance } from './map-instance.js';
import { readAccountDefault, readAutoScalingGroups, readLaunchTemplates } from './prevention.js';
import { createUsageReader } from './usage.js';

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];
const GONE_STATES = ['shutting-down', 'terminated'];

export interface InstancesRead {
  instances: Instance[];
  /** instances whose shape could not be read (partial: the others are kept) */
  errors: ScanError[];
}

/** DescribeInstances, the core of a scope: throws a classified error when it cannot be read. */
async function listInstances(ec2: ScopeClients['ec2'], scope: Scope): Promise<InstancesRead> {
  const input = { Filters: [{ Name: 'instance-state-name', Values: LIVE_STATES }] };
  const instances: Instance[] = [];
  const errors: ScanError[] = [];
  try {
    // pages of 1000 until NextToken is empty, as paginateDescribeInstances does; each page read
    // by our reader where the client has it (fast-reads.ts), by the SDK otherwise
    let token: string | undefined;
    do {
      const page = await ec2.send(describeInstancesCommand({ ...input, MaxResults: 1000, NextToken: token }));
      for (const reservation of page.Reservations ?? []) {
        for (const raw of reservation.Instances ?? []) collect(raw, scope, instances, errors);
      }
      token = page.NextToken;
    } while (token);
  } catch (err) {
    throw classifyAwsError(err, `DescribeInstances in ${scope.accountId}/${scope.region}`);
  }
  return { instances, errors };
}

/** One DescribeInstances item, mapped as the scan maps it; a shape we cannot read is a partial error. */
function collect(
  raw: Parameters<typeof mapInstance>[0],
  scope: Scope,
  instances: Instance[],
  errors: ScanError[],
): void {
  const mapped = mapInstance(raw, scope.accountId, scope.region);
  if (mapped.ok) instances.push(mapped.instance);
  else
    errors.push({
      ...scope,
      stage: 'inventory',
      code: 'UnexpectedInstanceShape',
      message: `${mapped.instanceId}: ${mapped.problem}`,
      partial: true,
    });
}

export interface InstancesById extends InstancesRead {
  /** ids of instances shutting down or terminated */
  gone: string[];
}

/**
 * DescribeInstances of these ids (a drift event's), mapped as the scan maps them; any state, so
 * that a terminated instance is known as gone. An id EC2 does not know yet (eventual consistency
 * right after RunInstances) fails the call with InvalidInstanceID.NotFound, classified transient.
 */
export async function instancesById(
  ec2: ScopeClients['ec2'],
  scope: Scope,
  ids: string[],
): Promise<InstancesById> {
  const instances: Instance[] = [];
  const errors: ScanError[] = [];
  const gone: string[] = [];
  try {
    // InstanceIds cannot go with MaxResults: EC2 answers every id, paging only past 1000
    let token: string | undefined;
    do {
      const page = await ec2.send(describeInstancesCommand({ InstanceIds: ids, NextToken: token }));
      for (const raw of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        if (raw.InstanceId && GONE_STATES.includes(raw.State?.Name ?? '')) {
          gone.push(raw.InstanceId);
          continue;
        }
        collect(raw, scope, instances, errors);
      }
      token = page.NextToken;
    } while (token);
  } catch (err) {
    throw classifyAwsError(
      err,
      `DescribeInstances of ${ids.join(', ')} in ${scope.accountId}/${scope.region}`,
    );
  }
  return { instances, errors, gone };
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
 * The scan's readers of one account x region (the OpenScope port) over fresh SDK clients, dropped
 * with the job: the instances, the core of a scope, and the parts around them (launch templates,
 * Auto Scaling groups, the account default, AMIs, usage). The instances and usage readers classify
 * their own errors; the parts are classified here, and the scan decides what a failed part means.
 */
export function createScopeReaders(deps: { clients: Pick<AwsClients, 'forScope'> }): OpenScope {
  const usage = createUsageReader();
  return (account: AccountRef, region: string): ScopeReaders => {
    const clients = deps.clients.forScope(account, region);
    const scope = { accountId: account.accountId, region };
    const where = `in ${scope.accountId}/${scope.region}`;
    return {
      inventory: {
        instances: () => listInstances(clients.ec2, scope),
        launchTemplates: () =>
          classified(`launch templates ${where}`, () => readLaunchTemplates(clients.ec2, scope)),
        accountDefault: () =>
          classified(`account default ${where}`, () => readAccountDefault(clients.ec2, scope)),
        autoScalingGroups: (templates) =>
          classified(`Auto Scaling groups ${where}`, () =>
            readAutoScalingGroups(clients.autoScaling, clients.ec2, scope, templates),
          ),
        images: (ids) => classified(`AMIs (DescribeImages) ${where}`, () => readImages(clients.ec2, ids)),
      },
      usage: { read: (ids, win, metric) => usage.read(clients.cloudwatch, scope, ids, win, metric) },
    };
  };
}
