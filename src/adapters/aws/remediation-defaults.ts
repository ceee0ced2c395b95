import { type EC2Client, ModifyInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { CodedError } from '../../domain/errors.js';
import type { AccountDefault, Scope } from '../../domain/findings/model.js';
import type { AccountDefaultChange, AccountDefaultTarget } from '../../domain/ports/remediation.js';
import { readAccountDefault } from './prevention.js';
import { type AwsCaller, awsCaller, type RemediationDeps, requestIdOf } from './remediation-shared.js';

/**
 * The account's instance metadata default for new instances (one per account x region).
 * Every field is sent explicitly: 'no-preference' clears a field, -1 clears the hop limit.
 */

type Settable = Pick<AccountDefault, 'httpTokens' | 'httpEndpoint' | 'hopLimit' | 'instanceMetadataTags'>;

const FIELDS = ['httpTokens', 'httpEndpoint', 'hopLimit', 'instanceMetadataTags'] as const;

const differences = (actual: Settable, wanted: Settable): string[] =>
  FIELDS.filter((f) => actual[f] !== wanted[f]).map(
    (f) => `${f} is ${String(actual[f] ?? 'no-preference')} (wanted ${String(wanted[f] ?? 'no-preference')})`,
  );

/** Refused before any call to AWS: the account cannot change what its organization's policy owns. */
function refuseIfDeclarative(current: AccountDefault): void {
  if (current.managedBy !== 'declarative-policy') return;
  const where = `account ${current.accountId} in ${current.region}`;
  const owner = `are set by your organization's declarative policy for EC2 (ec2_attributes > instance_metadata_defaults), so the account cannot change them`;
  const fix =
    'Change them in AWS Organizations from the management account or the delegated administrator: Policies > Declarative policies for EC2, in the policy attached to this account or its OU';
  const detail = current.managedExceptionMessage
    ? ` The organization says: ${current.managedExceptionMessage}`
    : '';
  throw new CodedError(
    'declarative-policy',
    `The instance metadata defaults of ${where} ${owner}. ${fix}.${detail}`,
  );
}

const readDefault = (call: AwsCaller, ec2: EC2Client, scope: Scope): Promise<AccountDefault> =>
  call('GetInstanceMetadataDefaults', `GetInstanceMetadataDefaults ${scope.accountId}:${scope.region}`, () =>
    readAccountDefault(ec2, scope),
  );

async function write(
  call: AwsCaller,
  ec2: EC2Client,
  scope: Scope,
  before: AccountDefault,
  target: Settable,
) {
  const where = `${scope.accountId}:${scope.region}`;
  const out = await call('ModifyInstanceMetadataDefaults', `ModifyInstanceMetadataDefaults ${where}`, () =>
    ec2.send(
      new ModifyInstanceMetadataDefaultsCommand({
        HttpTokens: target.httpTokens,
        HttpEndpoint: target.httpEndpoint,
        HttpPutResponseHopLimit: target.hopLimit ?? -1,
        InstanceMetadataTags: target.instanceMetadataTags,
      }),
    ),
  );
  const after = await readDefault(call, ec2, scope);
  const wrong = differences(after, target);
  if (wrong.length > 0) {
    const message = `Account default of ${where}: after the change, ${wrong.join(', ')}.`;
    throw new CodedError('verify-mismatch', message);
  }
  return { changed: true, before, after, awsRequestId: requestIdOf(out) };
}

export function createDefaultsRemediation(deps: RemediationDeps) {
  const { log } = deps;
  const call = awsCaller(deps);
  async function converge(ec2: EC2Client, scope: Scope, targetOf: (b: AccountDefault) => Settable) {
    const before = await readDefault(call, ec2, scope);
    refuseIfDeclarative(before);
    const target = targetOf(before);
    if (differences(before, target).length === 0)
      return { changed: false, before, after: before, awsRequestId: null };
    const change = await write(call, ec2, scope, before, target);
    log.info(
      { ...scope, before, after: change.after, awsRequestId: change.awsRequestId },
      'account default changed',
    );
    return change;
  }

  return {
    readAccountDefault: (ec2: EC2Client, scope: Scope): Promise<AccountDefault> =>
      readDefault(call, ec2, scope),

    setAccountDefault: (
      ec2: EC2Client,
      scope: Scope,
      target: AccountDefaultTarget,
    ): Promise<AccountDefaultChange> =>
      converge(ec2, scope, (b) => ({
        httpTokens: target.httpTokens,
        httpEndpoint: target.httpEndpoint ?? b.httpEndpoint,
        hopLimit: target.hopLimit ?? b.hopLimit,
        instanceMetadataTags: target.instanceMetadataTags ?? b.instanceMetadataTags,
      })),

    /** Rollback: exactly `previous`, fields that had no preference sent as 'no-preference'. */
    restoreAccountDefault: (
      ec2: EC2Client,
      scope: Scope,
      previous: AccountDefault,
    ): Promise<AccountDefaultChange> =>
      converge(ec2, scope, () => ({
        httpTokens: previous.httpTokens,
        httpEndpoint: previous.httpEndpoint,
        hopLimit: previous.hopLimit,
        instanceMetadataTags: previous.instanceMetadataTags,
      })),
  };
}
