import { z } from 'zod';
import { ScanError, Scope } from './model.js';
import { ScanSummary } from './summary.js';

/**
 * A scan as its use cases see it: what starts one, what each account x region yields, what the
 * whole scan yields and the line of history it leaves. The queue carries these as job data and
 * return values; every reader parses them back through these schemas.
 */

export const Trigger = z.object({ kind: z.enum(['cli', 'schedule', 'slack']), by: z.string().nullable() });
export type Trigger = z.infer<typeof Trigger>;

/** Part of the workflow's scope: an account, a region, or both. */
export interface ScanFilter {
  accountId?: string | undefined;
  region?: string | undefined;
}

/** How findings are classified: taken from the workflow when the scan starts. */
export const ScanSettings = z.object({
  ownerTags: z.array(z.string()),
  environment: z.object({ tag: z.string(), prodValues: z.array(z.string()) }),
  windowDays: z.number().int().positive(),
});
export type ScanSettings = z.infer<typeof ScanSettings>;

/** An account to scan: roleArn null means the hub's own credentials. */
export const AccountRef = z.object({
  accountId: z.string(),
  roleArn: z.string().nullable(),
  externalId: z.string().optional(),
});
export type AccountRef = z.infer<typeof AccountRef>;

/** One account x region of a scan. */
export const ScopeJobData = z.object({
  scanId: z.string(),
  account: AccountRef,
  region: z.string(),
  settings: ScanSettings,
});
export type ScopeJobData = z.infer<typeof ScopeJobData>;

export const DiffCounts = z.object({
  new: z.number(),
  fixed: z.number(),
  regressed: z.number(),
  gone: z.number(),
});
export type DiffCounts = z.infer<typeof DiffCounts>;

export const Rejection = z.object({
  accountId: z.string(),
  region: z.string(),
  instanceId: z.string(),
  count: z.number(),
  lastSeen: z.string().nullable(),
});
export type Rejection = z.infer<typeof Rejection>;

export const ScopeResult = z.object({
  accountId: z.string(),
  region: z.string(),
  summary: ScanSummary,
  diff: DiffCounts,
  firstScan: z.boolean(),
  /** seconds each instance fixed (or gone) in this scan had been a laggard */
  remediatedSeconds: z.array(z.number()),
  /** enforced instances whose IMDSv1 calls are now rejected (MetadataNoTokenRejected > 0) */
  rejections: z.array(Rejection).default([]),
  errors: z.array(ScanError),
});
export type ScopeResult = z.infer<typeof ScopeResult>;

const FilterRecord = z
  .object({ accountId: z.string().nullable(), region: z.string().nullable() })
  .nullable()
  .default(null);

/** The whole scan: aggregates its account x region children. */
export const ScanJobData = z.object({
  scanId: z.string(),
  workflow: z.string(),
  /** the scan lock to release when the scan ends */
  lock: z.object({ id: z.string(), holder: z.string() }),
  trigger: Trigger,
  startedAt: z.string(),
  scopes: z.array(Scope),
  filter: FilterRecord,
  /** accounts that failed before any region job could start (AssumeRole, DescribeRegions) */
  planErrors: z.array(ScanError),
  /** what planning found worth telling that is no error (opt-in regions skipped) */
  notes: z.array(z.string()).default([]),
});
export type ScanJobData = z.infer<typeof ScanJobData>;

export const ScanOutcome = z.object({
  scanId: z.string(),
  workflow: z.string(),
  trigger: Trigger,
  startedAt: z.string(),
  finishedAt: z.string(),
  scopes: z.array(Scope),
  summary: ScanSummary,
  diff: DiffCounts,
  firstScan: z.boolean(),
  mttrSeconds: z.number().nullable(),
  remediated: z.number().int(),
  rejections: z.array(Rejection).default([]),
  errors: z.array(ScanError),
  /** from planning: opt-in regions skipped (absent when there is nothing to tell) */
  notes: z.array(z.string()).optional(),
  /** from the after-scan hook: what went wrong after the scan itself (an export that failed) */
  warnings: z.array(z.string()).optional(),
});
export type ScanOutcome = z.infer<typeof ScanOutcome>;

/** One line of scan history: what a finished scan found, kept for digests and KPIs. */
export const ScanRecord = z.object({
  scanId: z.string(),
  workflow: z.string(),
  trigger: Trigger,
  startedAt: z.string(),
  finishedAt: z.string(),
  scopes: z.array(z.string()),
  /** set when only part of the workflow's scope was scanned: such scans stay out of trends */
  filter: FilterRecord,
  summary: z.record(z.string(), z.unknown()),
  diff: DiffCounts,
  /** mean seconds from first seen as a laggard to fixed, over the instances this scan saw fixed */
  mttrSeconds: z.number().nullable(),
  /** how many instances that mean is over */
  remediated: z.number().int().default(0),
  errors: z.array(ScanError),
});
export type ScanRecord = z.infer<typeof ScanRecord>;

/** A classified error as a scan records it; `partial` when the scope's instances were kept. */
export function scanErrorOf(
  where: { accountId: string; region: string | null },
  stage: ScanError['stage'],
  err: { code: string; message: string; operation?: string | null; httpStatus?: number | null },
  partial = false,
): ScanError {
  return {
    accountId: where.accountId,
    region: where.region,
    stage,
    code: err.code,
    message: err.message,
    partial,
    ...(err.operation ? { operation: err.operation } : {}),
    ...(err.httpStatus != null ? { httpStatus: err.httpStatus } : {}),
  };
}
