import type { Finding, Usage } from '../../domain/findings/model.js';
import type { ChangeContext } from './context.js';

/**
 * The readiness gate holds at every step: IMDSv1 use is read again at approval and just before each
 * instance is changed, not only when the request was filed. The latest scan decides when it is recent
 * (approvals.maxScanAgeHours); an older one is topped up with a fresh MetadataNoToken read since it.
 */

export interface InUse {
  instanceId: string;
  calls: number;
  lastSeen: string | null;
  /** 'scan': the latest scan saw the calls; 'fresh': CloudWatch since that scan */
  source: 'scan' | 'fresh';
}

const HOUR = 3_600_000;

/** The instances of one account x region that make IMDSv1 calls now, as far as can be told. */
export async function inUseNow(
  ctx: ChangeContext,
  scope: { accountId: string; region: string },
  instanceIds: string[],
): Promise<Map<string, InUse>> {
  const out = new Map<string, InUse>();
  const snap = await ctx.findings.getSnapshot(scope);
  const byId = new Map((snap?.findings ?? []).map((f) => [f.instanceId, f]));
  for (const id of instanceIds) {
    const f = byId.get(id);
    if (f?.readiness === 'in-use')
      out.set(id, {
        instanceId: id,
        calls: f.usage?.noTokenCalls ?? 0,
        lastSeen: f.usage?.lastSeen ?? null,
        source: 'scan',
      });
  }
  const now = ctx.now();
  const scannedAt = snap ? Date.parse(snap.scannedAt) : 0;
  const ageHours = (now.getTime() - scannedAt) / HOUR;
  if (snap && ageHours <= ctx.workflow.approvals.maxScanAgeHours) return out;
  const unread = instanceIds.filter((id) => !out.has(id) && byId.get(id)?.httpTokens !== 'required');
  if (unread.length === 0) return out;
  const hours = Math.min(24 * 14, Math.max(1, Math.ceil(ageHours) + 1));
  const win = { windowDays: hours / 24, now, includeCurrent: true };
  const usage = await ctx.usage.read(scope, unread, win);
  for (const [id, u] of usage) {
    if (u.noTokenCalls <= 0) continue;
    out.set(id, { instanceId: id, calls: u.noTokenCalls, lastSeen: u.lastSeen, source: 'fresh' });
    await keepUsage(ctx, scope, byId.get(id), u);
  }
  return out;
}

/** A fresh read that found calls is written into the finding: cards and the next click see `in-use`. */
async function keepUsage(
  ctx: ChangeContext,
  scope: { accountId: string; region: string },
  f: Finding | undefined,
  u: Usage,
): Promise<void> {
  if (!f) return;
  await ctx.findings.patchSnapshot(scope, (s) => ({
    ...s,
    findings: s.findings.map((x) =>
      x.instanceId === f.instanceId ? { ...x, readiness: 'in-use', usage: u } : x,
    ),
  }));
}

/** One line for a card, a reply or an audit entry. */
export const inUseLine = (u: InUse): string =>
  `\`${u.instanceId}\` turned in-use: ${u.calls.toLocaleString('en-US')} IMDSv1 call(s)${u.source === 'fresh' ? ' since the last scan' : ' in the last scan'} (last ${u.lastSeen ?? '?'})`;
