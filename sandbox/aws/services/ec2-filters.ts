import { metadataState } from '../instance-view.js';
import type { InstanceRecord } from '../types.js';
import { ApiError } from '../wire/errors.js';
import type { FilterParam } from '../wire/params.js';

export type InstancePredicate = (instance: InstanceRecord, nowMs: number) => boolean;
type ValueTest = (value: string | null | undefined) => boolean;

/** EC2 filter values may use * (any run) and ? (one character). */
function valueTest(values: readonly string[]): ValueTest {
  const exact = new Set(values.filter((v) => !/[*?]/.test(v)));
  const patterns = values
    .filter((v) => /[*?]/.test(v))
    .map(
      (v) =>
        new RegExp(
          `^${v
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')
            .replace(/\?/g, '.')}$`,
          's',
        ),
    );
  return (value) => {
    if (value === null || value === undefined) return false;
    return exact.has(value) || patterns.some((p) => p.test(value));
  };
}

type Field = (instance: InstanceRecord, nowMs: number) => string | null | undefined;

const FIELDS: Record<string, Field> = {
  'instance-state-name': (i) => i.state,
  'instance-id': (i) => i.instanceId,
  'instance-type': (i) => i.instanceType,
  'image-id': (i) => i.imageId,
  'availability-zone': (i) => i.availabilityZone,
  'ip-address': (i) => i.publicIp,
  'private-ip-address': (i) => i.privateIp,
  'iam-instance-profile.arn': (i) => i.iamInstanceProfile?.arn,
  'metadata-options.http-tokens': (i) => i.metadata.httpTokens,
  'metadata-options.http-endpoint': (i) => i.metadata.httpEndpoint,
  'metadata-options.http-put-response-hop-limit': (i) => String(i.metadata.httpPutResponseHopLimit),
  'metadata-options.http-protocol-ipv6': (i) => i.metadata.httpProtocolIpv6,
  'metadata-options.instance-metadata-tags': (i) => i.metadata.instanceMetadataTags,
  'metadata-options.state': (i, now) => metadataState(i, now),
};

function predicateFor(filter: FilterParam): InstancePredicate {
  const test = valueTest(filter.values);
  if (filter.name.startsWith('tag:')) {
    const key = filter.name.slice(4);
    return (i) => test(i.tags[key]);
  }
  if (filter.name === 'tag-key') return (i) => Object.keys(i.tags).some(test);
  if (filter.name === 'tag-value') return (i) => Object.values(i.tags).some(test);
  const field = FIELDS[filter.name];
  if (!field) throw new ApiError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
  return (i, now) => test(field(i, now));
}

/** All filters must match (AND); within one filter any value may match (OR). */
export function compileFilters(filters: readonly FilterParam[]): InstancePredicate {
  const predicates = filters.map(predicateFor);
  if (predicates.length === 0) return () => true;
  return (instance, now) => predicates.every((p) => p(instance, now));
}
