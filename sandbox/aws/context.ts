import type { CredentialStore, Principal } from './credentials.js';
import type { Fleet } from './fleet.js';
import type { FormParams } from './wire/params.js';
import type { XmlWriter } from './wire/xml.js';

export type ServiceName =
  | 'ec2'
  | 'sts'
  | 'monitoring'
  | 'autoscaling'
  | 'organizations'
  | 'ssm'
  | 'sqs'
  | 'securityhub';

/** Settings the action handlers read. */
export interface HandlerSettings {
  /** how long ModifyInstanceMetadataOptions stays 'pending' */
  metadataApplyDelayMs: number;
  /** how long a terminated instance stays visible to DescribeInstances */
  terminatedRetentionMs: number;
  /** GetMetricData over 100,800 datapoints in total: refuse it (default) or paginate like AWS */
  metricDataOverLimit: 'error' | 'paginate';
}

/** One call, as every action handler sees it. */
export interface CallContext {
  fleet: Fleet;
  credentials: CredentialStore;
  settings: HandlerSettings;
  /** the emulator clock, epoch ms, read once per call */
  now: number;
  region: string;
  principal: Principal;
  requestId: string;
  /** aborted when the caller hangs up (a long poll stops without receiving) */
  signal?: AbortSignal;
}

export interface FormCall extends CallContext {
  params: FormParams;
}

export interface JsonCall extends CallContext {
  body: unknown;
}

/** EC2 Query / awsQuery action: writes the inside of the response element. */
export type XmlAction = (call: FormCall, out: XmlWriter) => void;

/** AWS JSON action: returns the response object. */
export type JsonAction = (call: JsonCall) => unknown;
