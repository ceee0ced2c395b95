import type { ScopeSnapshot } from '../../../domain/findings/model.js';
import { code, say } from '../../../domain/message.js';
import type { Json } from '../../../domain/ports/change-memo.js';
import { changeBy } from '../context.js';
import { offerRefreshes } from '../refresh-offer.js';
import { noFanOut, nothingToRestore, notOneInstance, type TargetKind, wholeOnly } from './target.js';

type TemplateTarget = {
  type: 'launch-template';
  accountId: string;
  region: string;
  launchTemplateId: string;
};

/** A new launch-template version requiring IMDSv2, made the default; rolled back to the previous default. */
export const launchTemplate: TargetKind<TemplateTarget> = {
  auditTarget: (t) => ({ accountId: t.accountId, region: t.region, resource: t.launchTemplateId }),
  refs: (t) => [{ accountId: t.accountId, region: t.region, resource: t.launchTemplateId }],
  openRefs: (t) => [`${t.accountId}:${t.region}:${t.launchTemplateId}`],
  describe: (t) => say`launch template ${code(t.launchTemplateId)} in ${say`${t.accountId}/${t.region}`}`,
  cardInstanceKeys: () => [],
  facts: notOneInstance,
  gated: () => ({ region: null, instanceIds: [] }),
  jobId: (id) => `apply-${id}`,
  fanOut: noFanOut,
  async apply(ctx, cr) {
    const r = await ctx.remediationFor(cr.target, changeBy(cr));
    const result = await r.fixLaunchTemplate(cr.target.launchTemplateId);
    return {
      before: { defaultVersion: result.previousDefaultVersion },
      after: { defaultVersion: result.newVersion },
      awsRequestId: result.awsRequestIds.at(-1) ?? null,
      session: r.session,
      note: result.changed
        ? `version ${result.newVersion} requires IMDSv2 and is the default`
        : 'the default version already required IMDSv2',
    };
  },
  async restore(ctx, cr, { original }) {
    const before = original?.before;
    if (!original || !before) throw nothingToRestore(cr.id);
    const r = await ctx.remediationFor(cr.target, changeBy(cr));
    const previous = Number(before.defaultVersion);
    const result = await r.restoreLaunchTemplate(cr.target.launchTemplateId, previous);
    return {
      before: { defaultVersion: result.newVersion },
      after: { defaultVersion: previous },
      awsRequestId: result.awsRequestIds[0] ?? null,
      session: r.session,
      note: `default version back to ${previous}`,
    };
  },
  /** the template's row in the snapshot as the change left it (a rollback: as the scan saw it before) */
  async noteApplied(ctx, cr, done) {
    const t = cr.target;
    const version = Number(done.after.defaultVersion);
    const restored =
      cr.kind === 'rollback' && cr.rollbackOf ? await ctx.memo.templateRow(cr.rollbackOf) : null;
    const patch = (s: ScopeSnapshot): ScopeSnapshot => {
      const launchTemplates = s.launchTemplates.map((row) => {
        if (row.launchTemplateId !== t.launchTemplateId) return row;
        if (cr.kind === 'rollback') return restored ? { ...row, ...restored } : row;
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
      if (row) await ctx.memo.keepTemplateRow(cr.id, row);
    }
    await ctx.findings.patchSnapshot(t, patch);
  },
  /** the groups launching the template: fixed on replace now, and offered an instance refresh */
  afterVerified: (ctx, cr) => offerRefreshes(ctx, cr),
  capturedBefore: async (_ctx, original) => (original.before as Json | null) ?? null,
  partRolledBack: wholeOnly,
};
