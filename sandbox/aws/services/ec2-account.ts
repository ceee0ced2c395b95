import type { FormCall, XmlAction } from '../context.js';
import { optInStatus } from '../regions.js';
import type { AccountDefaultModel, AccountRecord, Toggle } from '../types.js';
import { ApiError, invalidParameter } from '../wire/errors.js';

function callerAccount(call: FormCall): AccountRecord {
  const account = call.fleet.account(call.principal.accountId);
  if (!account)
    throw new ApiError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
  return account;
}

const describeRegions: XmlAction = (call, out) => {
  const account = callerAccount(call);
  const names = new Set(call.params.list('RegionName'));
  const all = call.params.bool('AllRegions');
  const regions = [
    ...account.enabledRegions.map((name) => ({ name, enabled: true })),
    ...(all ? account.disabledRegions.map((name) => ({ name, enabled: false })) : []),
  ].filter((r) => names.size === 0 || names.has(r.name));
  const unknown = [...names].find((n) => !regions.some((r) => r.name === n));
  if (unknown !== undefined) throw invalidParameter(`Invalid region: ${unknown}`);
  out.list('regionInfo', 'item', regions, (w, r) =>
    w
      .leaf('regionName', r.name)
      .leaf('regionEndpoint', `ec2.${r.name}.amazonaws.com`)
      .leaf('optInStatus', optInStatus(r.name, r.enabled)),
  );
};

function scopeDefault(call: FormCall): AccountDefaultModel {
  const scope = call.fleet.scope(call.principal.accountId, call.region);
  if (!scope)
    throw new ApiError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
  return scope.accountDefault;
}

/** Fields with no preference are absent, as in AWS. */
const getInstanceMetadataDefaults: XmlAction = (call, out) => {
  const current = scopeDefault(call);
  out.node('accountLevel', (w) =>
    w
      .leaf('httpTokens', current.httpTokens)
      .leaf('httpPutResponseHopLimit', current.httpPutResponseHopLimit)
      .leaf('httpEndpoint', current.httpEndpoint)
      .leaf('instanceMetadataTags', current.instanceMetadataTags)
      .leaf('managedBy', current.managedBy)
      .leaf('managedExceptionMessage', current.managedExceptionMessage),
  );
};

type Preference<T extends string> = T | 'no-preference' | undefined;

function applyPreference<K extends 'httpTokens' | 'httpEndpoint' | 'instanceMetadataTags'>(
  target: AccountDefaultModel,
  key: K,
  value: Preference<NonNullable<AccountDefaultModel[K]>>,
): void {
  if (value === undefined) return;
  if (value === 'no-preference') delete target[key];
  else target[key] = value as AccountDefaultModel[K];
}

const TOGGLE_OR_NONE = ['enabled', 'disabled', 'no-preference'] as const;

/** Refused when a declarative policy owns the setting; 'no-preference' (-1 for the hop limit) clears a field. */
const modifyInstanceMetadataDefaults: XmlAction = (call, out) => {
  const current = scopeDefault(call);
  if (current.managedBy === 'declarative-policy') {
    const detail = current.managedExceptionMessage ? ` ${current.managedExceptionMessage}` : '';
    throw new ApiError(
      'UnauthorizedOperation',
      `The instance metadata defaults of this account are managed by a declarative policy of your organization and cannot be modified.${detail}`,
      403,
    );
  }
  const hop = call.params.int('HttpPutResponseHopLimit', -1, 64);
  if (hop === 0) throw invalidParameter('HttpPutResponseHopLimit must be -1 (no preference) or from 1 to 64');
  const next: AccountDefaultModel = { ...current };
  applyPreference(
    next,
    'httpTokens',
    call.params.oneOf('HttpTokens', ['optional', 'required', 'no-preference']),
  );
  applyPreference(
    next,
    'httpEndpoint',
    call.params.oneOf<Toggle | 'no-preference'>('HttpEndpoint', TOGGLE_OR_NONE),
  );
  applyPreference(
    next,
    'instanceMetadataTags',
    call.params.oneOf<Toggle | 'no-preference'>('InstanceMetadataTags', TOGGLE_OR_NONE),
  );
  if (hop === -1) delete next.httpPutResponseHopLimit;
  else if (hop !== undefined) next.httpPutResponseHopLimit = hop;
  if (call.params.bool('DryRun')) throw dryRun();
  const scope = call.fleet.scope(call.principal.accountId, call.region);
  if (scope) scope.accountDefault = next;
  out.leaf('return', true);
};

export const dryRun = (): ApiError =>
  new ApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);

export const ec2AccountActions: Record<string, XmlAction> = {
  DescribeRegions: describeRegions,
  GetInstanceMetadataDefaults: getInstanceMetadataDefaults,
  ModifyInstanceMetadataDefaults: modifyInstanceMetadataDefaults,
};
