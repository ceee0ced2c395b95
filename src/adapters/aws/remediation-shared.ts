import type { CodedError } from '../../domain/errors.js';
import type { Logger } from '../log.js';
import { classifyAwsError } from './errors.js';

/** Every EC2 action the remediation adapter calls. */
export type Ec2Action =
  | 'DescribeInstances'
  | 'ModifyInstanceMetadataOptions'
  | 'DescribeLaunchTemplateVersions'
  | 'CreateLaunchTemplateVersion'
  | 'ModifyLaunchTemplate'
  | 'GetInstanceMetadataDefaults'
  | 'ModifyInstanceMetadataDefaults';

/** What every remediation factory takes. */
export interface RemediationDeps {
  log: Logger;
  /**
   * Awaited before every AWS call: the place to take a token from the shared rate limiter
   * (src/store/rate-limit.ts) for the scope the remediation was made for. Absent: no waiting.
   */
  beforeCall?: (action: Ec2Action) => Promise<void>;
}

export type AwsCaller = <T>(
  action: Ec2Action,
  what: string,
  fn: () => Promise<T>,
  rename?: (e: CodedError) => CodedError | null,
) => Promise<T>;

/**
 * Runs AWS calls: beforeCall first, then the call; whatever the call throws comes out as a
 * CodedError (throttling stays transient, so the job that called us retries). `rename` turns a
 * few AWS codes into ours.
 */
export function awsCaller(deps: RemediationDeps): AwsCaller {
  return async (action, what, fn, rename) => {
    await deps.beforeCall?.(action);
    try {
      return await fn();
    } catch (err) {
      const coded = classifyAwsError(err, what);
      throw rename?.(coded) ?? coded;
    }
  };
}

/** The request id AWS gives every answer; null only when an endpoint leaves it out. */
export const requestIdOf = (out: { $metadata?: { requestId?: string } }): string | null =>
  out.$metadata?.requestId ?? null;
