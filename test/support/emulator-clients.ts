import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  STSClient,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import { Fleet } from '../../sandbox/aws/index.js';
import { CodedError } from '../../src/domain/errors.js';

/** The hub account's long-lived key: the emulator maps any unknown access key to the hub. */
export const HUB = { accessKeyId: 'AKIAHUBEXAMPLE', secretAccessKey: 'hub-secret' };

export type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** SDK client options for the emulator at `url`: one attempt, so every error reaches the test. */
export const sdkConfig = (url: string, credentials: Credentials = HUB, region = 'eu-west-1') => ({
  endpoint: url,
  region,
  credentials,
  maxAttempts: 1,
});

/** STS's temporary credentials as SDK client credentials (missing fields become ''). */
export const sessionCredentials = (c: StsCredentials | undefined): Credentials => ({
  accessKeyId: c?.AccessKeyId ?? '',
  secretAccessKey: c?.SecretAccessKey ?? '',
  sessionToken: c?.SessionToken ?? '',
});

/** AssumeRole with the hub's key; the session's credentials, or a throw when STS gave none. */
export async function assumeRole(
  url: string,
  input: AssumeRoleCommandInput,
  region = 'eu-west-1',
): Promise<Credentials> {
  const out = await new STSClient(sdkConfig(url, HUB, region)).send(new AssumeRoleCommand(input));
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('no credentials');
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

/** The member account of memberFleet(). */
export const MEMBER = '222222222222';

/** AssumeRole input that memberFleet() accepts for MEMBER. */
export const MEMBER_ROLE = {
  RoleArn: `arn:aws:iam::${MEMBER}:role/Scanner`,
  RoleSessionName: 'imds-bot',
  ExternalId: 'ext-123',
};

/**
 * Hub 111111111111; MEMBER, whose Scanner role wants ExternalId 'ext-123', with eu-west-1 and
 * us-east-1 enabled; and 333333333333, whose Scanner role denies every AssumeRole.
 */
export function memberFleet(): Fleet {
  const fleet = new Fleet({ hubAccountId: '111111111111' });
  fleet.addAccount({
    id: MEMBER,
    roleName: 'Scanner',
    externalId: MEMBER_ROLE.ExternalId,
    regions: ['eu-west-1', 'us-east-1'],
  });
  fleet.addAccount({ id: '333333333333', roleName: 'Scanner', denyAssumeRole: true });
  return fleet;
}

type SdkError = { name: string; message: string; $metadata?: { httpStatusCode?: number } };

/** The SDK error a call fails with (status 0 when it has none); throws when the call succeeds. */
export async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as SdkError;
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode ?? 0 };
  }
  throw new Error('expected the call to fail');
}

/** 'ok', or the error as 'Name/httpStatus'. */
export const outcome = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'ok',
    (e: unknown) => `${(e as Error).name}/${(e as SdkError).$metadata?.httpStatusCode}`,
  );

/** The CodedError a call fails with; throws when it succeeds or fails with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<CodedError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof CodedError)) throw new Error(`expected a CodedError, got ${String(error)}`);
  return error;
}
