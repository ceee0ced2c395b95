import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { createRoleCredentials } from './credentials.js';

/** An account to scan: roleArn null means the hub's own credentials (the default chain). */
export interface AccountTarget {
  accountId: string;
  roleArn: string | null;
  externalId?: string | undefined;
}

export interface AwsClientsOptions {
  hubRegion: string;
  sessionName: string;
  /** SDK attempts per call before the job-level retry takes over (default 5) */
  maxAttempts?: number;
}

/**
 * Builds and caches the SDK clients: one set per account x region, one AssumeRole per account.
 * Endpoints are left to the SDK, so AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> are honoured
 * for every client, including STS.
 */
export function createAwsClients(opts: AwsClientsOptions) {
  const common = { maxAttempts: opts.maxAttempts ?? 5, retryMode: 'standard' as const };
  const sts = new STSClient({ ...common, region: opts.hubRegion });
  const roles = createRoleCredentials({ sts, sessionName: opts.sessionName });
  const organizations = new OrganizationsClient({ ...common, region: opts.hubRegion });
  const cache = new Map<
    string,
    { ec2: EC2Client; cloudwatch: CloudWatchClient; autoScaling: AutoScalingClient }
  >();

  const credentialsOf = (a: AccountTarget): { credentials?: AwsCredentialIdentityProvider } =>
    a.roleArn
      ? {
          credentials: roles.providerFor({
            accountId: a.accountId,
            roleArn: a.roleArn,
            externalId: a.externalId,
          }),
        }
      : {};

  function forScope(account: AccountTarget, region: string) {
    const key = `${account.accountId}:${region}:${account.roleArn ?? 'self'}`;
    let set = cache.get(key);
    if (!set) {
      const config = { ...common, region, ...credentialsOf(account) };
      set = {
        ec2: new EC2Client(config),
        cloudwatch: new CloudWatchClient(config),
        autoScaling: new AutoScalingClient(config),
      };
      cache.set(key, set);
    }
    return set;
  }

  return {
    sts,
    organizations,
    /** Resolves (and caches) the account's credentials: fails fast when AssumeRole is refused. */
    async checkAccess(account: AccountTarget): Promise<void> {
      if (account.roleArn)
        await roles.get({
          accountId: account.accountId,
          roleArn: account.roleArn,
          externalId: account.externalId,
        });
    },
    ec2For: (account: AccountTarget, region: string) => forScope(account, region).ec2,
    cloudwatchFor: (account: AccountTarget, region: string) => forScope(account, region).cloudwatch,
    autoScalingFor: (account: AccountTarget, region: string) => forScope(account, region).autoScaling,
    destroy(): void {
      for (const set of cache.values()) {
        set.ec2.destroy();
        set.cloudwatch.destroy();
        set.autoScaling.destroy();
      }
      cache.clear();
      sts.destroy();
      organizations.destroy();
    },
  };
}
export type AwsClients = ReturnType<typeof createAwsClients>;
