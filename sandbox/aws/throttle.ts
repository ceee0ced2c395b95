import type { ServiceName } from './context.js';
import type { FormParams } from './wire/params.js';

export interface BucketSpec {
  burst: number;
  refillPerSecond: number;
}

/** Token buckets, each per account × region × action (CloudWatch: per account × region). */
export interface ThrottleSettings {
  /** EC2 Describe* / Get* */
  ec2Describe: BucketSpec;
  /** DescribeInstances with no filter, no ids and no MaxResults */
  ec2DescribeUnpaginated: BucketSpec;
  ec2ModifyInstanceMetadataOptions: BucketSpec;
  ec2ModifyInstanceMetadataDefaults: BucketSpec;
  /** CreateLaunchTemplateVersion, ModifyLaunchTemplate */
  ec2LaunchTemplateWrite: BucketSpec;
  cloudWatch: BucketSpec;
  autoScaling: BucketSpec;
}

export type BucketClass = keyof ThrottleSettings;

/** false: no throttling; true or absent: the defaults; an object: the defaults, overridden. */
export type ThrottleOption = boolean | Partial<ThrottleSettings>;

export const DEFAULT_THROTTLE: ThrottleSettings = {
  ec2Describe: { burst: 100, refillPerSecond: 20 },
  ec2DescribeUnpaginated: { burst: 50, refillPerSecond: 10 },
  ec2ModifyInstanceMetadataOptions: { burst: 100, refillPerSecond: 5 },
  ec2ModifyInstanceMetadataDefaults: { burst: 2, refillPerSecond: 2 },
  ec2LaunchTemplateWrite: { burst: 100, refillPerSecond: 5 },
  cloudWatch: { burst: 50, refillPerSecond: 50 },
  autoScaling: { burst: 100, refillPerSecond: 20 },
};

function ec2Class(action: string, params: FormParams): BucketClass {
  switch (action) {
    case 'ModifyInstanceMetadataOptions':
      return 'ec2ModifyInstanceMetadataOptions';
    case 'ModifyInstanceMetadataDefaults':
      return 'ec2ModifyInstanceMetadataDefaults';
    case 'CreateLaunchTemplateVersion':
    case 'ModifyLaunchTemplate':
      return 'ec2LaunchTemplateWrite';
  }
  const unpaginated =
    action === 'DescribeInstances' &&
    params.str('MaxResults') === undefined &&
    !params.has('Filter') &&
    !params.has('InstanceId');
  return unpaginated ? 'ec2DescribeUnpaginated' : 'ec2Describe';
}

/** The bucket a call draws from, and its key; null for services that are not throttled. */
export function bucketFor(
  service: ServiceName,
  action: string,
  params: FormParams | null,
  scope: string,
): { bucket: BucketClass; key: string } | null {
  if (service === 'ec2' && params) {
    const bucket = ec2Class(action, params);
    return { bucket, key: `${scope}:ec2:${action}:${bucket}` };
  }
  if (service === 'monitoring') return { bucket: 'cloudWatch', key: `${scope}:monitoring` };
  if (service === 'autoscaling') return { bucket: 'autoScaling', key: `${scope}:autoscaling:${action}` };
  return null;
}

interface BucketState {
  tokens: number;
  at: number;
}

export class Throttler {
  private readonly settings: ThrottleSettings | null;
  private readonly state = new Map<string, BucketState>();

  constructor(option: ThrottleOption | undefined) {
    if (option === false) this.settings = null;
    else
      this.settings =
        option === true || option === undefined ? DEFAULT_THROTTLE : { ...DEFAULT_THROTTLE, ...option };
  }

  /** Takes a token; false when the bucket is empty (the call is throttled). */
  take(bucket: BucketClass, key: string, nowMs: number): boolean {
    if (!this.settings) return true;
    const spec = this.settings[bucket];
    const current = this.state.get(key) ?? { tokens: spec.burst, at: nowMs };
    const elapsed = Math.max(0, nowMs - current.at) / 1000;
    const tokens = Math.min(spec.burst, current.tokens + elapsed * spec.refillPerSecond);
    if (tokens < 1) {
      this.state.set(key, { tokens, at: nowMs });
      return false;
    }
    this.state.set(key, { tokens: tokens - 1, at: nowMs });
    return true;
  }
}
