import type { FindingsStore } from '../../adapters/redis/findings.js';
import { code, md } from '../../adapters/slack/text.js';
import type { ChangeRequest } from '../../domain/change/request-schema.js';
import { instanceChangeOf } from '../../domain/findings/finding-change.js';
import { AccountDefault, type Finding, type ScopeSnapshot } from '../../domain/findings/model.js';
import type { Applied } from './applied.js';
import type { ChangeContext } from './context.js';

/**
 * After an enforcement, a rollback, a launch-template or an account-default change, the stored
 * finding says so at once: a second Enforce or a snooze is refused now, not after the next scan.
 */

/** One instance's options as the change left them (an enforcement, a bulk item, a rollback). */
export async function noteInstance(
  ctx: ChangeContext,
  cr: ChangeRequest,
  at: { region: string; instanceId: string },
  after: Applied['after'],
): Promise<void> {
  const change = instanceChangeOf(at.instanceId, after, ctx.now().toISOString(), cr.id);
  if (!change) return;
  await ctx.findings.recordInstanceChange({ accountId: cr.target.accountId, region: at.region }, change);
}

const templateRowKey = (ctx: ChangeContext, id: string) => `${ctx.prefix}:cr-template-row:${id}`;

async function noteTemplate(ctx: ChangeContext, cr: ChangeRequest, done: Applied): Promise<void> {
  const t = cr.target;
  if (t.type !== 'launch-template') return;
  const version = Number(done.after.defaultVersion);
  const restored =
    cr.kind === 'rollback' && cr.rollbackOf ? await ctx.redis.get(templateRowKey(ctx, cr.rollbackOf)) : null;
  const patch = (s: ScopeSnapshot): ScopeSnapshot => {
    const launchTemplates = s.launchTemplates.map((row) => {
      if (row.launchTemplateId !== t.launchTemplateId) return row;
      if (cr.kind === 'rollback') return restored ? { ...row, ...JSON.parse(restored) } : row;
      return {
        ...row,
        defaultVersion: version,
        latestVersion: Math.max(row.latestVersion, version),
        httpTokens: 'required' as const,
      };
    });
    return { ...s, launchTemplates };
  };
  if (cr.kind !== 'rollback') {
    const snap = await ctx.findings.getSnapshot(t);
    const row = snap?.launchTemplates.find((r) => r.launchTemplateId === t.launchTemplateId);
    if (row) await ctx.redis.set(templateRowKey(ctx, cr.id), JSON.stringify(row), 'EX', 400 * 86_400);
  }
  await ctx.findings.patchSnapshot(t, patch);
}

async function noteDefault(ctx: ChangeContext, cr: ChangeRequest, done: Applied): Promise<void> {
  const t = cr.target;
  if (t.type !== 'account-default') return;
  const after = AccountDefault.safeParse(done.after);
  if (!after.success) return;
  await ctx.findings.patchSnapshot(t, (s) => ({ ...s, accountDefault: after.data }));
}

/** The stored finding (or template row, or default) of a single-target request, as it was left. */
export async function noteApplied(ctx: ChangeContext, cr: ChangeRequest, done: Applied): Promise<void> {
  const t = cr.target;
  if (t.type === 'instance') return noteInstance(ctx, cr, t, done.after);
  if (t.type === 'launch-template') return noteTemplate(ctx, cr, done);
  if (t.type === 'account-default') return noteDefault(ctx, cr, done);
}

/** "already requires IMDSv2 since …" for an instance that needs nothing more, or null. */
export async function alreadyRequired(findings: FindingsStore, f: Finding): Promise<string | null> {
  if (f.httpTokens !== 'required') return null;
  const change = await findings.instanceChange(f, f.instanceId);
  const since =
    change?.httpTokens === 'required'
      ? `since ${change.at.slice(0, 16).replace('T', ' ')} UTC (${change.requestId})`
      : 'since before the last scan';
  return md`${code(f.instanceId)} already requires IMDSv2 ${since}: nothing to do.`.text;
}
