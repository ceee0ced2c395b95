import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { CodedError } from '../../domain/errors.js';
import { classifyAwsError } from './errors.js';
import type { ChangeSessionNames } from './session-identity.js';

export interface RoleTarget {
  accountId: string;
  roleArn: string;
  externalId?: string | undefined;
}

/**
 * The session policy of every scan session: allows what the role allows, except anything that is
 * not a read (Describe*, Get*, List*). A session policy can only take permissions away, so a scan
 * session cannot change anything even when its role could (one role for scans and changes). The
 * Allow is needed: a session's permissions are the intersection of the role's policies and the
 * session policy, and a session policy with only a Deny would leave nothing.
 */
export const READ_ONLY_SESSION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'WhatTheRoleAllows', Effect: 'Allow', Action: '*', Resource: '*' },
    {
      Sid: 'ButNoWrites',
      Effect: 'Deny',
      NotAction: [
        'ec2:Describe*',
        'ec2:Get*',
        'autoscaling:Describe*',
        'cloudwatch:Describe*',
        'cloudwatch:Get*',
        'cloudwatch:List*',
        'sts:GetCallerIdentity',
      ],
      Resource: '*',
    },
  ],
});

export interface RoleCredentialsOptions {
  sts: STSClient;
  /** the RoleSessionName of scan sessions */
  sessionName: string;
  /** the session policy of scan sessions; default READ_ONLY_SESSION_POLICY, null for none */
  scanPolicy?: string | null;
  /** refresh this long before expiry (default 5 minutes) */
  refreshBeforeMs?: number;
  /** scan sessions (default 3600) */
  durationSeconds?: number;
  /** change sessions: the shortest AWS allows by default (900) */
  changeDurationSeconds?: number;
  /** sessions kept at most (the oldest is dropped first); default 5000 */
  maxSessions?: number;
  now?: () => number;
}

interface Session {
  sessionName: string;
  sourceIdentity?: string;
  policy?: string;
  durationSeconds: number;
}

/**
 * Scan sessions: one AssumeRole per member role, shared by every region, job and scan, refreshed
 * before expiry, with the read-only session policy. Change sessions: one per change request and
 * approver (the cache key holds both names), with SourceIdentity and no session policy, so two
 * requests never share credentials, while one request's calls (a bulk's items, the polling after a
 * change) do. Concurrent callers of one session share one in-flight AssumeRole.
 */
export function createRoleCredentials(opts: RoleCredentialsOptions) {
  const refreshBefore = opts.refreshBeforeMs ?? 5 * 60_000;
  const now = opts.now ?? Date.now;
  const maxSessions = opts.maxSessions ?? 5000;
  const scanPolicy = opts.scanPolicy === undefined ? READ_ONLY_SESSION_POLICY : opts.scanPolicy;
  const cache = new Map<string, Promise<AwsCredentialIdentity>>();

  async function assume(target: RoleTarget, session: Session): Promise<AwsCredentialIdentity> {
    try {
      const out = await opts.sts.send(
        new AssumeRoleCommand({
          RoleArn: target.roleArn,
          RoleSessionName: session.sessionName,
          ExternalId: target.externalId,
          DurationSeconds: session.durationSeconds,
          SourceIdentity: session.sourceIdentity,
          Policy: session.policy,
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

  function cached(target: RoleTarget, session: Session): Promise<AwsCredentialIdentity> {
    const key = [
      target.roleArn,
      target.externalId ?? '',
      session.sessionName,
      session.sourceIdentity ?? '',
    ].join('|');
    const hit = cache.get(key);
    if (hit !== undefined) return hit.then((c) => (fresh(c) ? c : renew(key, target, session)));
    return renew(key, target, session);
  }

  function renew(key: string, target: RoleTarget, session: Session): Promise<AwsCredentialIdentity> {
    const pending = assume(target, session);
    cache.delete(key);
    cache.set(key, pending);
    for (const oldest of cache.keys()) {
      if (cache.size <= maxSessions) break;
      cache.delete(oldest);
    }
    // a failure is not cached: the next call asks again
    pending.catch(() => {
      if (cache.get(key) === pending) cache.delete(key);
    });
    return pending;
  }

  const scan = (): Session => ({
    sessionName: opts.sessionName,
    durationSeconds: opts.durationSeconds ?? 3600,
    ...(scanPolicy === null ? {} : { policy: scanPolicy }),
  });
  const change = (names: ChangeSessionNames): Session => ({
    sessionName: names.sessionName,
    sourceIdentity: names.sourceIdentity,
    durationSeconds: opts.changeDurationSeconds ?? 900,
  });

  return {
    /** A provider for SDK clients: called by the SDK before each request, cached here. */
    providerFor(target: RoleTarget): AwsCredentialIdentityProvider {
      return () => cached(target, scan());
    },
    /** The scan session of a role (read-only). */
    get: (target: RoleTarget): Promise<AwsCredentialIdentity> => cached(target, scan()),
    /** The session of one change: its own names, never another request's credentials. */
    changeProviderFor(target: RoleTarget, names: ChangeSessionNames): AwsCredentialIdentityProvider {
      return () => cached(target, change(names));
    },
  };
}
export type RoleCredentials = ReturnType<typeof createRoleCredentials>;
