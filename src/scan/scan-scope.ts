import { z } from 'zod';
import type { AwsClients, ScopeClients } from '../aws/clients.js';
import type { Inventory } from '../aws/inventory.js';
import type { UsageReader } from '../aws/usage.js';
import { classifyScope, isLaggard, needsUsage } from '../domain/classify.js';
import { countDiff, diffSnapshots } from '../domain/diff.js';
import { ScanError, type Scope, type ScopeSnapshot } from '../domain/model.js';
import { ScanSummary, summarize } from '../domain/summary.js';
import { type FindingsStore, instanceKey } from '../store/findings.js';

/** How findings are classified: taken from the workflow when the scan starts. */
export const ScanSettings = z.object({
  ownerTags: z.array(z.string()),
  environment: z.object({ tag: z.string(), prodValues: z.array(z.string()) }),
  windowDays: z.number().int().positive(),
});
export type ScanSettings = z.infer<typeof ScanSettings>;

export const AccountRef = z.object({
  accountId: z.string(),
  roleArn: z.string().nullable(),
  externalId: z.string().optional(),
});

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

export interface ScanScopeDeps {
  clients: Pick<AwsClients, 'forScope'>;
  inventory: Inventory;
  usage: UsageReader;
  store: FindingsStore;
  now?: () => Date;
}

/**
 * One account x region: inventory, IMDSv1 use of the instances that allow it, classification,
 * diff against the previous snapshot, and the new snapshot stored. Transient AWS errors are
 * thrown for the job to retry.
 */
async function readScope(
  deps: ScanScopeDeps,
  clients: ScopeClients,
  scope: Scope,
  windowDays: number,
  now: Date,
) {
  const { inventory, errors } = await deps.inventory.readScope(clients, scope);
  const ids = inventory.instances.filter(needsUsage).map((i) => i.instanceId);
  const usage = await deps.usage.read(clients.cloudwatch, scope, ids, { windowDays, now });
  const live = new Set(inventory.instances.map((i) => i.instanceId));
  const watched = (await deps.store.watched(scope, now, windowDays)).filter((id) => live.has(id));
  // the last day, up to this minute: a rejection is news, and the alert repeats at most daily
  const win = { windowDays: 1, now, includeCurrent: true };
  const rejected = await deps.usage.read(clients.cloudwatch, scope, watched, win, 'MetadataNoTokenRejected');
  const rejections = [...rejected].flatMap(([instanceId, u]) =>
    u.noTokenCalls > 0 ? [{ ...scope, instanceId, count: u.noTokenCalls, lastSeen: u.lastSeen }] : [],
  );
  return { inventory, errors, usage, rejections };
}

export async function scanScope(deps: ScanScopeDeps, data: ScopeJobData): Promise<ScopeResult> {
  const now = deps.now?.() ?? new Date();
  const scope = { accountId: data.account.accountId, region: data.region };
  const clients = deps.clients.forScope(data.account, data.region);
  const { inventory, errors, usage, rejections } = await readScope(
    deps,
    clients,
    scope,
    data.settings.windowDays,
    now,
  );
  const findings = classifyScope(inventory, usage, { ...data.settings, now });
  const snapshot: ScopeSnapshot = {
    ...scope,
    scanId: data.scanId,
    scannedAt: now.toISOString(),
    findings,
    launchTemplates: inventory.launchTemplates,
    accountDefault: inventory.accountDefault,
  };
  const prev = await deps.store.getSnapshot(scope);
  const diff = diffSnapshots(prev, snapshot);
  const key = (instanceId: string) => instanceKey({ ...scope, instanceId });
  const remediatedSeconds = await deps.store.commitSnapshot(
    snapshot,
    {
      // on a first scan every laggard is "new"; keep its first-seen time from now on
      became: findings.filter(isLaggard).map((f) => key(f.instanceId)),
      regressed: diff.regressed.map((f) => key(f.instanceId)),
      cleared: [
        ...diff.fixed.map((f) => f.instanceId),
        ...diff.gone.filter((g) => g.wasLaggard).map((g) => g.instanceId),
      ].map(key),
    },
    now,
  );
  return {
    ...scope,
    summary: summarize([snapshot], errors),
    diff: countDiff(diff),
    firstScan: diff.firstScan,
    remediatedSeconds,
    rejections,
    errors,
  };
}

/** BullMQ job ids may not contain ':'. */
export const scopeJobId = (scanId: string, s: { accountId: string; region: string }) =>
  `${scanId}-${s.accountId}-${s.region}`;

export function scopeOfJobId(jobId: string): { accountId: string; region: string } | null {
  const m = /-(\d{12})-([a-z0-9-]+)$/.exec(jobId);
  return m?.[1] && m[2] ? { accountId: m[1], region: m[2] } : null;
}
