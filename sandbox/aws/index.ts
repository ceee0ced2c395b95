/**
 * A local AWS emulator (EC2, STS, CloudWatch, Auto Scaling, Organizations) speaking the wire protocols
 * of the pinned SDK v3 clients, so real clients work against it unchanged:
 *
 *   const fleet = new Fleet();                      // or generateFleet({ seed, instances, ... })
 *   fleet.addAccount({ id: '222222222222', externalId: 'x' });
 *   fleet.addInstance({ accountId: '222222222222', region: 'eu-west-1', usage: { kind: 'steady', callsPerHour: 6 } });
 *   const aws = await startAwsEmulator({ fleet });  // aws.url → AWS_ENDPOINT_URL or client `endpoint`
 *
 * Services are told apart by the SigV4 credential scope; the access key tells the account
 * (keys it did not issue are the hub's). Signatures are not verified.
 */
export type { HandlerSettings } from './context.js';
export { Fleet, type FleetOptions } from './fleet.js';
export { generateFleet, type MemberAccountRef, memberAccounts } from './generate.js';
export type {
  AccountDefaultInput,
  AccountInput,
  AsgInput,
  InstanceInput,
  LaunchTemplateInput,
} from './inputs.js';
export { DEFAULT_ROLE_NAME } from './inputs.js';
export { DEFAULT_REGIONS, OPT_IN_REGIONS } from './regions.js';
export { FleetSpec } from './schema.js';
export { type AwsEmulator, type AwsEmulatorOptions, startAwsEmulator } from './server.js';
export type { EmulatorStats } from './stats.js';
export { type BucketSpec, DEFAULT_THROTTLE, type ThrottleOption, type ThrottleSettings } from './throttle.js';
export type * from './types.js';
