import type { Scope, Usage } from '../findings/model.js';

/** Ports of IMDSv1 usage: CloudWatch's MetadataNoToken counts per instance. */

export type ImdsMetric = 'MetadataNoToken' | 'MetadataNoTokenRejected';

export interface UsageWindow {
  windowDays: number;
  now: Date;
  /** include the period still in progress (for alerts, where minutes matter more than stable buckets) */
  includeCurrent?: boolean;
}

/** IMDSv1 calls per instance of one account x region; throws a CodedError like the inventory. */
export interface UsageReader {
  read(instanceIds: string[], win: UsageWindow, metric?: ImdsMetric): Promise<Map<string, Usage>>;
}

/** IMDSv1 use (MetadataNoToken) of some instances of one account x region, read now. */
export interface UsageNow {
  read(scope: Scope, instanceIds: string[], window: UsageWindow): Promise<Map<string, Usage>>;
}
