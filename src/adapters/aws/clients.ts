import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { createSettingsCache } from './client-settings.js';
import { createRoleCredentials } from './credentials.js';
import { tagOperation } from './errors.js';
import { installFastReads } from './fast-reads.js';
import { type ChangeBy, changeSessionNames } from './session-identity.js';

/**
 * An account to scan: roleArn null means the hub's own credentials (the default chain).
 * changeRoleArn: the role changes are made with (ImdsBotChange); absent, changes use roleArn
 * (scan sessions then still cannot write: they carry the read-only session policy).
 */
export interface AccountTarget {
  accountId: string;
  roleArn: string | null;
  changeRoleArn?: string | null | undefined;
  externalId?: string | undefined;
}

/** The STS session a change is made with: what CloudTrail in the member account shows. */
export interface ChangeSession {
  roleArn: string;
  sessionName: string;
  sourceIdentity: string;
}

/**
 * Drops the SDK's logger middleware: we give the SDK no logger, yet that middleware still copies
 * every response through its sensitive-field filter to hand it to the no-op logger (a walk over
 * every instance of every DescribeInstances page). Our own log lines say what matters.
 */
interface Stack {
  middlewareStack: { remove(name: string): boolean };
}
function withoutSdkLogging<C extends Stack>(client: C): C {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/** The value of make(), made on the first call. */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

export interface AwsClientsOptions {
  hubRegion: string;
  sessionName: string;
  /** SDK attempts per call before the job-level retry takes over (default 5) */
  maxAttempts?: number;
  /** applied to every client built (the metrics adapter counts calls with it) */
  instrument?: <C>(client: C) => C;
  /** the session policy of scan sessions (default: the read-only one; null: none) */
  scanSessionPolicy?: string | null;
}

/**
 * The clients of one account x region, for the length of one job. They hold no sockets of their
 * own (the agents are shared), so dropping them is enough: destroy() would close the shared agents.
 */
export interface ScopeClients {
  ec2: EC2Client;
  cloudwatch: CloudWatchClient;
  autoScaling: AutoScalingClient;
}

/**
 * Builds the SDK clients. Credentials are cached per account (one AssumeRole per account, shared
 * by every region and job); the clients themselves live only as long as a scope's job, so a scan
 * of 850 scopes does not keep 2,550 clients alive. All clients share keep-alive agents.
 * Endpoints are left to the SDK, so AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> are honoured
 * for every client, STS included.
 */
export function createAwsClients(opts: AwsClientsOptions) {
  const instrument = opts.instrument ?? (<C>(client: C): C => client);
  const agents = {
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
  };
  const base = {
    maxAttempts: opts.maxAttempts ?? 5,
    retryMode: 'standard' as const,
  };
  const sts = instrument(
    tagOperation(
      withoutSdkLogging(new STSClient({ ...base, requestHandler: agents, region: opts.hubRegion })),
    ),
  );
  // one HTTP handler (over the shared agents) for every client, instead of one per client
  const common = { ...base, requestHandler: sts.config.requestHandler };
  const roles = createRoleCredentials({
    sts,
    sessionName: opts.sessionName,
    ...(opts.scanSessionPolicy === undefined ? {} : { scanPolicy: opts.scanSessionPolicy }),
  });
  const organizations = instrument(
    tagOperation(withoutSdkLogging(new OrganizationsClient({ ...common, region: opts.hubRegion }))),
  );

  const settings = {
    ec2: createSettingsCache((region) => new EC2Client({ ...common, region })),
    cloudwatch: createSettingsCache((region) => new CloudWatchClient({ ...common, region })),
    autoScaling: createSettingsCache((region) => new AutoScalingClient({ ...common, region })),
  };
  /** SSM is loaded by the first find-caller request only: no other process pays for its SDK client. */
  const ssm = lazy(async () => {
    const { SSMClient } = await import('@aws-sdk/client-ssm');
    return {
      SSMClient,
      settings: createSettingsCache((region) => new SSMClient({ ...common, region })),
    };
  });
  /** Our middlewares and the template's lookups on a client of a scope. */
  const finish = <C>(client: C, borrow: (c: unknown) => void): C => {
    borrow(client);
    return instrument(tagOperation(withoutSdkLogging(client as C & Stack)));
  };
  /**
   * The STS session of one change (the change role, or the scan role without the read-only
   * policy), named for the request and its approver; null: the hub's own credentials (`self`
   * without a change role), which carry no per-change names.
   */
  const changeCredentials = (
    account: AccountTarget,
    by: ChangeBy,
  ): { provider: AwsCredentialIdentityProvider; session: ChangeSession } | null => {
    const roleArn = account.changeRoleArn ?? account.roleArn;
    if (!roleArn) return null;
    const names = changeSessionNames(opts.sessionName, by);
    const target = { accountId: account.accountId, roleArn, externalId: account.externalId };
    return { provider: roles.changeProviderFor(target, names), session: { roleArn, ...names } };
  };
  const configFor = (
    a: AccountTarget,
    region: string,
  ): typeof common & { region: string; credentials?: AwsCredentialIdentityProvider } => ({
    ...common,
    region,
    ...(a.roleArn
      ? {
          credentials: roles.providerFor({
            accountId: a.accountId,
            roleArn: a.roleArn,
            externalId: a.externalId,
          }),
        }
      : {}),
  });

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
    /**
     * Fresh clients for one account x region, dropped when the job is done. Each is built when
     * first used: a scope without Auto Scaling groups never builds that client.
     */
    forScope(account: AccountTarget, region: string): ScopeClients {
      const config = configFor(account, region);
      const ec2 = lazy(() => {
        const s = settings.ec2(region);
        return installFastReads(finish(new EC2Client({ ...config, ...s.settings }), s.borrow));
      });
      const cloudwatch = lazy(() => {
        const s = settings.cloudwatch(region);
        return installFastReads(finish(new CloudWatchClient({ ...config, ...s.settings }), s.borrow));
      });
      const autoScaling = lazy(() => {
        const s = settings.autoScaling(region);
        return installFastReads(finish(new AutoScalingClient({ ...config, ...s.settings }), s.borrow));
      });
      return {
        get ec2() {
          return ec2();
        },
        get cloudwatch() {
          return cloudwatch();
        },
        get autoScaling() {
          return autoScaling();
        },
      };
    },
    /**
     * The EC2 client of one change in one account x region: its own STS session (the change role,
     * or the scan role without the read-only policy) whose SourceIdentity and RoleSessionName name
     * the approver and the request. session null: the hub's own credentials (`self` without a
     * change role), which carry no per-change names.
     */
    forChange(
      account: AccountTarget,
      region: string,
      by: ChangeBy,
    ): { ec2: EC2Client; autoScaling: AutoScalingClient; session: ChangeSession | null } {
      const change = changeCredentials(account, by);
      const cred = change ? { credentials: change.provider } : {};
      const e = settings.ec2(region);
      // instance refreshes are changes too: Auto Scaling gets the same session as EC2
      const a = settings.autoScaling(region);
      return {
        ec2: finish(new EC2Client({ ...common, region, ...e.settings, ...cred }), e.borrow),
        autoScaling: finish(new AutoScalingClient({ ...common, region, ...a.settings, ...cred }), a.borrow),
        session: change?.session ?? null,
      };
    },
    /**
     * The SSM client of a find-caller request, on the same kind of session as forChange (the change
     * role, named for the request and the person who released it): ssm:SendCommand is a change-role
     * permission (deploy/iam/find-caller-policy.json).
     */
    async ssmForChange(account: AccountTarget, region: string, by: ChangeBy): Promise<SSMClient> {
      const change = changeCredentials(account, by);
      const { SSMClient, settings: ssmSettings } = await ssm();
      const s = ssmSettings(region);
      const cred = change ? { credentials: change.provider } : {};
      return finish(new SSMClient({ ...common, region, ...s.settings, ...cred }), s.borrow);
    },
    /** Closes every socket (all clients share the agents). */
    destroy(): void {
      agents.httpAgent.destroy();
      agents.httpsAgent.destroy();
    },
  };
}
export type AwsClients = ReturnType<typeof createAwsClients>;
