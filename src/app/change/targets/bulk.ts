import { groupFacts } from '../../../domain/change/approval-gates.js';
import type { ChangeRequest } from '../../../domain/change/request-schema.js';
import { CodedError } from '../../../domain/errors.js';
import { code, nothing, say, user } from '../../../domain/message.js';
import { recordAudit } from '../audit.js';
import { type ChangeContext, changeBy } from '../context.js';
import { enforceOne, restoreOne } from './instance.js';
import { type Applied, nothingMore, type RequestOn, type TargetKind } from './target.js';

type BulkTarget = {
  type: 'bulk';
  accountId: string;
  region: string | null;
  owner: string | null;
  instanceIds: string[];
};

const oneJobPerInstance = (what: string) =>
  new CodedError('bulk-in-single-job', `bulk ${what} run as one job per instance`);

/** Where an item's before-state is kept: `<bulk request>:<instance>`. */
const itemKey = (requestId: string, instanceId: string) => `${requestId}:${instanceId}`;

/** One instance of a bulk: enforced, or (a bulk rollback) restored to what the bulk found before it. */
export async function applyItem(
  ctx: ChangeContext,
  cr: RequestOn<BulkTarget>,
  instanceId: string,
  region: string,
): Promise<Applied> {
  const at = { accountId: cr.target.accountId, region, instanceId };
  if (cr.kind !== 'rollback')
    return enforceOne(ctx, at, { saveKey: itemKey(cr.id, instanceId), overridden: false, by: changeBy(cr) });
  const original = cr.rollbackOf ? await ctx.requests.get(cr.rollbackOf) : null;
  const before = original ? await ctx.memo.before(itemKey(original.id, instanceId)) : null;
  if (!before)
    throw new CodedError('nothing-to-restore', `${instanceId}: no before-state captured by ${cr.rollbackOf}`);
  return restoreOne(ctx, at, before, changeBy(cr));
}

/** The request, when it is a bulk one (its items' jobs act on nothing else). */
export const asBulk = (cr: ChangeRequest | null): RequestOn<BulkTarget> | null =>
  cr?.target.type === 'bulk' ? (cr as RequestOn<BulkTarget>) : null;

/** Every ready laggard of one owner (or one account): one request, one approval, one job per instance. */
export const bulk: TargetKind<BulkTarget> = {
  auditTarget: (t, requestId) => ({
    accountId: t.accountId,
    region: t.region ?? '*',
    resource: `bulk:${requestId}`,
  }),
  refs: (t) => t.instanceIds.map((id) => ({ accountId: t.accountId, region: t.region ?? '*', resource: id })),
  openRefs: (t) => t.instanceIds.map((id) => `${t.accountId}:${id}`),
  describe: (t) =>
    say`${t.instanceIds.length} instance(s) in ${t.region ? say`${t.accountId}/${t.region}` : say`${t.accountId}`}${t.owner ? say` owned by ${user(t.owner)}` : nothing}`,
  cardInstanceKeys: () => [],
  facts: async (_ctx, t) => ({ facts: groupFacts(false, t.owner), finding: null }),
  gated: (t) => ({ region: t.region, instanceIds: t.instanceIds }),
  jobId: (id) => `bulk-${id}`,
  /** the items and their parent, queued again safely after a crash (the flow's job ids) */
  async fanOut(ctx, cr) {
    const t = cr.target;
    const items: { instanceId: string; region: string }[] = [];
    for (const instanceId of t.instanceIds) {
      const region = t.region ?? (await ctx.findings.locate(instanceId))?.region;
      if (region) items.push({ instanceId, region });
    }
    await ctx.jobs.enqueueBulk(cr.id, items);
    return true;
  },
  apply: async () => {
    throw oneJobPerInstance('requests');
  },
  restore: async () => {
    throw oneJobPerInstance('rollbacks');
  },
  noteApplied: nothingMore,
  afterVerified: nothingMore,
  capturedBefore: (ctx, original, instanceId) => ctx.memo.before(itemKey(original.id, instanceId)),
  /** one instance of a bulk rolled back: the bulk stays applied; that instance's enforcement is undone */
  async partRolledBack(ctx, original, rollback) {
    const t = rollback.target;
    if (t.type !== 'instance') return false;
    const by = rollback.approvals[0] ?? rollback.requestedBy;
    const ref = { accountId: t.accountId, region: t.region, resource: t.instanceId };
    await ctx.requests.unapplied(original.id, ref);
    await recordAudit(ctx, {
      type: 'rolled-back',
      actor: { userId: by.userId, name: by.name },
      target: ref,
      requestId: original.id,
      before: rollback.after,
      reason: rollback.reason,
      key: `${original.id}:${t.instanceId}:rolled-back`,
    });
    await ctx.notifier.changed(
      original,
      say`:leftwards_arrow_with_hook: ${code(t.instanceId)} rolled back by ${rollback.id}.`,
    );
    return true;
  },
};
