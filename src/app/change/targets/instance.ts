import {
  enforceOptions,
  factsFromFinding,
  groupFacts,
  selfHostGuard,
} from '../../../domain/change/approval-gates.js';
import type { TargetFacts } from '../../../domain/change/approval-roles.js';
import type { ChangeRequest } from '../../../domain/change/request-schema.js';
import { CodedError } from '../../../domain/errors.js';
import { instanceChangeOf } from '../../../domain/findings/finding-change.js';
import type { Finding } from '../../../domain/findings/model.js';
import { code, say } from '../../../domain/message.js';
import type { Json } from '../../../domain/ports/change-memo.js';
import type { InstanceOptions } from '../../../domain/ports/remediation.js';
import { type ChangeBy, type ChangeContext, changeBy } from '../context.js';
import { inUseLine, inUseNow } from '../usage-now.js';
import {
  type Applied,
  asJson,
  type CurrentFacts,
  noFanOut,
  nothingToRestore,
  type TargetKind,
  wholeOnly,
} from './target.js';

/** The facts the policy decides on, read fresh at request and at click time. */
export async function factsOf(ctx: ChangeContext, f: Finding): Promise<TargetFacts> {
  return factsFromFinding(f, { ownerUserId: await ctx.owners.userOf(f), botHost: ctx.botHost });
}

/** The facts of one instance as the findings have it now. */
export async function instanceFacts(ctx: ChangeContext, instanceId: string): Promise<CurrentFacts> {
  const finding = await ctx.findings.locate(instanceId);
  return { facts: finding ? await factsOf(ctx, finding) : groupFacts(false), finding };
}

type InstanceTarget = { type: 'instance'; accountId: string; region: string; instanceId: string };
type Scope = { accountId: string; region: string };

/**
 * A before-state is saved just before ModifyInstanceMetadataOptions is sent: one that did not
 * require tokens means an earlier attempt of this very job sent the change (and died before
 * recording it), so the instance found `required` now is this request's doing.
 */
const startedEarlier = (saved: Json | null): boolean => saved !== null && saved.httpTokens !== 'required';

/**
 * Just before ModifyInstanceMetadataOptions: an instance that turned in-use since the request is not
 * enforced unless an approver wrote an override for it (a bulk carries none: its in-use instances are
 * skipped, to be requested one by one with an override).
 */
async function gateAgain(ctx: ChangeContext, scope: Scope, instanceId: string, overridden: boolean) {
  if (overridden) return;
  const live = (await inUseNow(ctx, scope, [instanceId])).get(instanceId);
  if (!live) return;
  const how = `request it again with \`/imds enforce ${instanceId} <reason>\`; an approver can override with a written reason`;
  throw new CodedError('turned-in-use', `Skipped, not enforced: ${inUseLine(live)}; ${how}.`);
}

/**
 * Tokens required on one instance (of an enforce, or an item of a bulk): the state found first is
 * saved under `saveKey` before the AWS call, so a job retried after a crash still knows it.
 */
export async function enforceOne(
  ctx: ChangeContext,
  at: Scope & { instanceId: string },
  { saveKey, overridden, by }: { saveKey: string; overridden: boolean; by: ChangeBy },
): Promise<Applied> {
  const { instanceId } = at;
  const scope = { accountId: at.accountId, region: at.region };
  const r = await ctx.remediationFor(scope, by);
  const { facts } = await instanceFacts(ctx, instanceId);
  const current = await r.readInstanceOptions(instanceId);
  if (current.options.httpTokens !== 'required') await gateAgain(ctx, scope, instanceId, overridden);
  const options = enforceOptions(current.options, facts, ctx.workflow.approvals);
  const guard = selfHostGuard(facts, options);
  if (!guard.allowed) throw new CodedError(guard.code, guard.reason);
  const result = await r.enforceInstance(
    instanceId,
    options,
    (before) => ctx.memo.keepBefore(saveKey, asJson(before)),
    current,
  );
  const saved = await ctx.memo.before(saveKey);
  const before = saved ?? asJson(result.before);
  const { session } = r;
  if (!result.changed && startedEarlier(saved))
    return {
      before,
      after: asJson(result.before),
      awsRequestId: null,
      session,
      note: `applied (confirmed after restart; AWS request id unknown): HttpTokens ${String(before.httpTokens)} → required`,
    };
  if (!result.changed)
    return {
      before,
      after: asJson(result.before),
      awsRequestId: null,
      session,
      note: 'already required (nothing sent)',
    };
  return {
    before,
    after: asJson(result.after),
    awsRequestId: result.awsRequestId,
    session,
    note: `HttpTokens ${String(before.httpTokens)} → required, hop limit ${String(before.hopLimit)} → ${result.after.hopLimit}`,
  };
}

/** One instance back to `before`, exactly as captured before the change. */
export async function restoreOne(
  ctx: ChangeContext,
  at: Scope & { instanceId: string },
  before: Json,
  by: ChangeBy,
): Promise<Applied> {
  const r = await ctx.remediationFor({ accountId: at.accountId, region: at.region }, by);
  const result = await r.restoreInstance(at.instanceId, before as unknown as InstanceOptions);
  const after = result.changed ? result.after : result.before;
  return {
    before: asJson(result.before),
    after: asJson(after),
    awsRequestId: result.changed ? result.awsRequestId : null,
    session: r.session,
    note: `restored ${JSON.stringify(before)}`,
  };
}

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

export const instance: TargetKind<InstanceTarget> = {
  auditTarget: (t) => ({ accountId: t.accountId, region: t.region, resource: t.instanceId }),
  refs: (t) => [{ accountId: t.accountId, region: t.region, resource: t.instanceId }],
  openRefs: (t) => [`${t.accountId}:${t.instanceId}`],
  describe: (t) => say`${code(t.instanceId)} in ${say`${t.accountId}/${t.region}`}`,
  cardInstanceKeys: (t) => [`${t.accountId}:${t.region}:${t.instanceId}`],
  facts: (ctx, t) => instanceFacts(ctx, t.instanceId),
  gated: (t) => ({ region: t.region, instanceIds: [t.instanceId] }),
  jobId: (id) => `apply-${id}`,
  fanOut: noFanOut,
  apply: (ctx, cr) =>
    enforceOne(ctx, cr.target, {
      saveKey: cr.id,
      overridden: cr.approvals.some((a) => a.override),
      by: changeBy(cr),
    }),
  async restore(ctx, cr, { original, beforeOf }) {
    const before = original ? await beforeOf(cr.target.instanceId) : null;
    if (!original || !before) throw nothingToRestore(cr.id);
    return restoreOne(ctx, cr.target, before, changeBy(cr));
  },
  noteApplied: (ctx, cr, done) => noteInstance(ctx, cr, cr.target, done.after),
  async afterVerified(ctx, cr) {
    if (cr.kind === 'enforce') await ctx.findings.watch(cr.target, cr.id, ctx.now());
  },
  capturedBefore: async (_ctx, original) => (original.before as Json | null) ?? null,
  partRolledBack: wholeOnly,
};
