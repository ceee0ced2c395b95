import { AccountDefault } from '../../../domain/findings/model.js';
import { say } from '../../../domain/message.js';
import type { Json } from '../../../domain/ports/change-memo.js';
import { changeBy } from '../context.js';
import {
  asJson,
  noFanOut,
  nothingMore,
  nothingToRestore,
  notOneInstance,
  type TargetKind,
  wholeOnly,
} from './target.js';

type DefaultTarget = { type: 'account-default'; accountId: string; region: string };

/** The account's instance metadata default for new instances in one region. */
export const accountDefault: TargetKind<DefaultTarget> = {
  auditTarget: (t) => ({ accountId: t.accountId, region: t.region, resource: 'account-default' }),
  refs: (t) => [{ accountId: t.accountId, region: t.region, resource: 'account-default' }],
  openRefs: (t) => [`${t.accountId}:${t.region}:account-default`],
  describe: (t) => say`the instance metadata default of ${say`${t.accountId}/${t.region}`}`,
  cardInstanceKeys: () => [],
  facts: notOneInstance,
  gated: () => ({ region: null, instanceIds: [] }),
  jobId: (id) => `apply-${id}`,
  fanOut: noFanOut,
  async apply(ctx, cr) {
    const r = await ctx.remediationFor(cr.target, changeBy(cr));
    const result = await r.setAccountDefault({ httpTokens: 'required' });
    return {
      before: asJson(result.before),
      after: asJson(result.after),
      awsRequestId: result.awsRequestId,
      session: r.session,
      note: 'new instances now require IMDSv2',
    };
  },
  async restore(ctx, cr, { original }) {
    const before = original?.before;
    if (!original || !before) throw nothingToRestore(cr.id);
    const r = await ctx.remediationFor(cr.target, changeBy(cr));
    const result = await r.restoreAccountDefault(before as unknown as AccountDefault);
    return {
      before: asJson(result.before),
      after: asJson(result.after),
      awsRequestId: result.awsRequestId,
      session: r.session,
      note: 'account default restored',
    };
  },
  async noteApplied(ctx, cr, done) {
    const after = AccountDefault.safeParse(done.after);
    if (!after.success) return;
    await ctx.findings.patchSnapshot(cr.target, (s) => ({ ...s, accountDefault: after.data }));
  },
  afterVerified: nothingMore,
  capturedBefore: async (_ctx, original) => (original.before as Json | null) ?? null,
  partRolledBack: wholeOnly,
};
