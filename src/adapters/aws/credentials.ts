import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { CodedError } from '../../domain/errors.js';
import { classifyAwsError } from './errors.js';

export interface RoleTarget {
  accountId: string;
  roleArn: string;
  externalId?: string | undefined;
}

export interface RoleCredentialsOptions {
  sts: STSClient;
  sessionName: string;
  /** refresh this long before expiry (default 5 minutes) */
  refreshBeforeMs?: number;
  durationSeconds?: number;
  now?: () => number;
}

/**
 * One AssumeRole per member account, shared by every region and call, refreshed before expiry.
 * Concurrent callers for the same account share one in-flight AssumeRole.
 */
export function createRoleCredentials(opts: RoleCredentialsOptions) {
  const refreshBefore = opts.refreshBeforeMs ?? 5 * 60_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, Promise<AwsCredentialIdentity>>();

  async function assume(target: RoleTarget): Promise<AwsCredentialIdentity> {
    try {
      const out = await opts.sts.send(
        new AssumeRoleCommand({
          RoleArn: target.roleArn,
          RoleSessionName: opts.sessionName,
          ExternalId: target.externalId,
          DurationSeconds: opts.durationSeconds ?? 3600,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) {
        throw new CodedError('assume-role-empty', `AssumeRole ${target.roleArn} returned no credentials`);
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
    } catch (err) {
      throw classifyAwsError(err, `AssumeRole ${target.roleArn}`);
    }
  }

  const fresh = (c: AwsCredentialIdentity) => !c.expiration || c.expiration.getTime() - now() > refreshBefore;

  function get(target: RoleTarget): Promise<AwsCredentialIdentity> {
    const key = `${target.roleArn}|${target.externalId ?? ''}`;
    const cached = cache.get(key);
    if (cached !== undefined) {
      return cached.then((c) => (fresh(c) ? c : renew(key, target)));
    }
    return renew(key, target);
  }

  function renew(key: string, target: RoleTarget): Promise<AwsCredentialIdentity> {
    const pending = assume(target);
    cache.set(key, pending);
    // a failure is not cached: the next call asks again
    pending.catch(() => {
      if (cache.get(key) === pending) cache.delete(key);
    });
    return pending;
  }

  return {
    /** A provider for SDK clients: called by the SDK before each request, cached here. */
    providerFor(target: RoleTarget): AwsCredentialIdentityProvider {
      return () => get(target);
    },
    get,
  };
}
export type RoleCredentials = ReturnType<typeof createRoleCredentials>;
