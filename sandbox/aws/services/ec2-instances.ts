import type { FormCall, XmlAction } from '../context.js';
import { isVisible } from '../instance-view.js';
import type { InstanceRecord } from '../types.js';
import { ApiError, invalidCombination } from '../wire/errors.js';
import { decodeToken, encodeToken } from '../wire/tokens.js';
import { compileFilters, type InstancePredicate } from './ec2-filters.js';
import { writeReservations } from './ec2-instance-xml.js';

const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** The visible instances of the caller's scope with these ids; errors as EC2 words them. */
export function findInstances(call: FormCall, ids: readonly string[]): InstanceRecord[] {
  const malformed = ids.find((id) => !INSTANCE_ID.test(id));
  if (malformed !== undefined)
    throw new ApiError('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
  const found: InstanceRecord[] = [];
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const instance = call.fleet.instance(id);
    const mine =
      instance !== undefined &&
      instance.accountId === call.principal.accountId &&
      instance.region === call.region &&
      isVisible(instance, call.now, call.settings.terminatedRetentionMs);
    if (mine) found.push(instance);
    else missing.push(id);
  }
  if (missing.length === 1)
    throw new ApiError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
  if (missing.length > 1) {
    throw new ApiError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
  }
  return found;
}

interface Page {
  instances: InstanceRecord[];
  nextToken: string | null;
}

/** Scans the scope from the token's position; O(page), not O(fleet). */
function scanPage(call: FormCall, predicate: InstancePredicate, maxResults: number | undefined): Page {
  const fingerprint = call.params.fingerprint(['NextToken', 'MaxResults']);
  const start = decodeToken(call.params.str('NextToken'), fingerprint, 'InvalidPaginationToken');
  const all = call.fleet.scope(call.principal.accountId, call.region)?.instances ?? [];
  const limit = maxResults ?? Number.POSITIVE_INFINITY;
  const instances: InstanceRecord[] = [];
  let position = start;
  for (; position < all.length && instances.length < limit; position++) {
    const instance = all[position] as InstanceRecord;
    if (!isVisible(instance, call.now, call.settings.terminatedRetentionMs)) continue;
    if (predicate(instance, call.now)) instances.push(instance);
  }
  const more = instances.length === limit && hasMore(call, predicate, all, position);
  return { instances, nextToken: more ? encodeToken(position, fingerprint) : null };
}

function hasMore(
  call: FormCall,
  predicate: InstancePredicate,
  all: readonly InstanceRecord[],
  from: number,
): boolean {
  for (let p = from; p < all.length; p++) {
    const instance = all[p] as InstanceRecord;
    if (isVisible(instance, call.now, call.settings.terminatedRetentionMs) && predicate(instance, call.now))
      return true;
  }
  return false;
}

const describeInstances: XmlAction = (call, out) => {
  const ids = call.params.list('InstanceId');
  const maxResults = call.params.int('MaxResults', 5, 1000);
  if (ids.length > 0 && maxResults !== undefined) {
    throw invalidCombination('The parameter instancesSet cannot be used with the parameter maxResults');
  }
  const predicate = compileFilters(call.params.ec2Filters());
  const page: Page =
    ids.length > 0
      ? { instances: findInstances(call, ids).filter((i) => predicate(i, call.now)), nextToken: null }
      : scanPage(call, predicate, maxResults);
  writeReservations(out, page.instances, call.now);
  out.leaf('nextToken', page.nextToken);
};

export const ec2InstanceActions: Record<string, XmlAction> = {
  DescribeInstances: describeInstances,
};
