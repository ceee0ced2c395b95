import { refreshCards } from '../../adapters/slack/blocks/change-cards.js';
import { code, md } from '../../adapters/slack/text.js';
import { enforceOptions, selfHostGuard } from '../../domain/change/approval-gates.js';
import type { ChangeRequest } from '../../domain/change/request-schema.js';
import { CodedError, errorMessage } from '../../domain/errors.js';
import { type Applied, asJson, beforeKey, type Json, recalledBefore } from './applied.js';
import { auditTarget, recordAudit } from './audit.js';
import type { ChangeContext } from './context.js';
import { currentFacts } from './facts.js';
import { noteApplied } from './finding-update.js';
import { markRolledBack, restore } from './rollback.js';
import { inUseLine, inUseNow } from './usage-now.js';

/**
 * The state found just before the change, saved before the AWS call: after a crash the retried
 * job finds the instance already changed, and this is how it still knows what it was.
 */
async function rememberBefore(ctx: ChangeContext, id: string, before: object): Promise<void> {
  await ctx.redis.set(beforeKey(ctx, id), JSON.stringify(before), 'EX', 400 * 86_400, 'NX');
}

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
async function gateAgain(
  ctx: ChangeContext,
  cr: ChangeRequest,
  scope: { accountId: string; region: string },
  instanceId: string,
): Promise<void> {
  const overridden = cr.target.type === 'instance' && cr.approvals.some((a) => a.override);
  if (overridden) return;
  const live = (await inUseNow(ctx, scope, [instanceId])).get(instanceId);
  if (!live) return;
  const how = `request it again with \`/imds enforce ${instanceId} <reason>\`; an approver can override with a written reason`;
  throw new CodedError('turned-in-use', `Skipped, not enforced: ${inUseLine(live)}; ${how}.`);
}

async function enforceOne(
  ctx: ChangeContext,
  cr: ChangeRequest,
  instanceId: string,
  region: string,
  saveKey: string,
): Promise<Applied> {
  const scope = { accountId: cr.target.accountId, region };
  const account = await ctx.accountFor(scope.accountId);
  const ec2 = ctx.clients.forScope(account, region).ec2;
  const r = ctx.remediationFor(scope);
  const { facts } = await currentFacts(ctx, {
    ...cr,
    target: { type: 'instance', ...scope, instanceId },
  } as ChangeRequest);
  const current = await r.readInstanceOptions(ec2, instanceId);
  if (current.options.httpTokens !== 'required') await gateAgain(ctx, cr, scope, instanceId);
  const options = enforceOptions(current.options, facts, ctx.workflow.approvals);
  const guard = selfHostGuard(facts, options);
  if (!guard.allowed) throw new CodedError(guard.code, guard.reason);
  const result = await r.enforceInstance(
    ec2,
    instanceId,
    options,
    (before) => rememberBefore(ctx, saveKey, before),
    current,
  );
  const saved = await recalledBefore(ctx, saveKey);
  const before = saved ?? asJson(result.before);
  if (!result.changed && startedEarlier(saved))
    return {
      before,
      after: asJson(result.before),
      awsRequestId: null,
      note: `applied (confirmed after restart; AWS request id unknown): HttpTokens ${String(before.httpTokens)} → required`,
    };
  if (!result.changed)
    return {
      before,
      after: asJson(result.before),
      awsRequestId: null,
      note: 'already required (nothing sent)',
    };
  return {
    before,
    after: asJson(result.after),
    awsRequestId: result.awsRequestId,
    note: `HttpTokens ${String(before.httpTokens)} → required, hop limit ${String(before.hopLimit)} → ${result.after.hopLimit}`,
  };
}

async function change(ctx: ChangeContext, cr: ChangeRequest): Promise<Applied> {
  const t = cr.target;
  if (cr.kind === 'rollback') return restore(ctx, cr);
  if (t.type === 'instance') return enforceOne(ctx, cr, t.instanceId, t.region, cr.id);
  if (t.type === 'bulk')
    throw new CodedError('bulk-in-single-job', 'bulk requests run as one job per instance');
  const account = await ctx.accountFor(t.accountId);
  const ec2 = ctx.clients.forScope(account, t.region).ec2;
  const r = ctx.remediationFor(t);
  if (t.type === 'launch-template') {
    const result = await r.fixLaunchTemplate(ec2, t.launchTemplateId);
    return {
      before: { defaultVersion: result.previousDefaultVersion },
      after: { defaultVersion: result.newVersion },
      awsRequestId: result.awsRequestIds.at(-1) ?? null,
      note: result.changed
        ? `version ${result.newVersion} requires IMDSv2 and is the default`
        : 'the default version already required IMDSv2',
    };
  }
  const result = await r.setAccountDefault(ec2, t, { httpTokens: 'required' });
  return {
    before: asJson(result.before),
    after: asJson(result.after),
    awsRequestId: result.awsRequestId,
    note: 'new instances now require IMDSv2',
  };
}

export interface ApplyJob {
  id: string;
  attemptsMade: number;
  attempts: number;
}

/**
 * Carries out an approved change: approved -> applying (CAS; a retried job resumes its own
 * 'applying') -> the AWS change -> audit (idempotent) -> applied. Transient errors are thrown
 * for another attempt; permanent ones, or the last attempt, end in 'failed'.
 */
export async function applyChange(ctx: ChangeContext, requestId: string, job: ApplyJob): Promise<string> {
  let cr = await ctx.requests.get(requestId);
  if (!cr) return 'unknown request';
  if (cr.state === 'approved') {
    const started = await ctx.requests.apply(requestId, { type: 'start-apply', jobId: job.id }, ctx.now());
    if (!started.result.ok) return `not started: ${started.result.code}`;
    cr = started.request;
    await recordAudit(ctx, {
      type: 'applying',
      target: auditTarget(cr),
      requestId,
      jobId: job.id,
      key: `${requestId}:applying`,
    });
    await refreshCards(ctx, cr, null);
    if (cr.target.type === 'bulk') {
      await ctx.enqueueBulk(cr);
      return 'bulk started';
    }
  } else if (cr.state !== 'applying' || cr.jobId !== job.id) {
    return `nothing to do: ${cr.state}`;
  } else if (cr.target.type === 'bulk') {
    await ctx.enqueueBulk(cr); // a retry after a crash: the flow's job ids make this idempotent
    return 'bulk resumed';
  }
  try {
    const done = await change(ctx, cr);
    return await finish(ctx, cr, done, job.id);
  } catch (err) {
    const coded =
      err instanceof CodedError ? err : new CodedError('unexpected', errorMessage(err), { transient: true });
    if (coded.transient && job.attemptsMade + 1 < job.attempts) throw coded;
    await fail(ctx, cr, coded, job.id);
    return `failed: ${coded.code}`;
  }
}

async function finish(ctx: ChangeContext, cr: ChangeRequest, done: Applied, jobId: string): Promise<string> {
  const target = auditTarget(cr);
  await noteApplied(ctx, cr, done); // the finding tells the truth before the request says applied
  await recordAudit(ctx, {
    type: 'applied',
    target,
    requestId: cr.id,
    before: done.before,
    after: done.after,
    reason: done.note,
    awsRequestId: done.awsRequestId,
    jobId,
    key: `${cr.id}:applied`,
  });
  const { result, request } = await ctx.requests.apply(
    cr.id,
    {
      type: 'applied',
      after: done.after,
      awsRequestId: done.awsRequestId,
      ...(done.before ? { before: done.before } : {}),
    },
    ctx.now(),
  );
  if (!result.ok) return `applied, but the request moved on: ${result.code}`;
  await recordAudit(ctx, {
    type: 'verified',
    target,
    requestId: cr.id,
    after: done.after,
    jobId,
    key: `${cr.id}:verified`,
  });
  if (cr.kind === 'rollback' && cr.rollbackOf) await markRolledBack(ctx, cr);
  if (cr.kind === 'enforce' && cr.target.type === 'instance')
    await ctx.findings.watch(cr.target, cr.id, ctx.now());
  await refreshCards(
    ctx,
    request,
    md`:white_check_mark: Done and verified: ${done.note}${done.awsRequestId ? md` (AWS request ${code(done.awsRequestId)})` : md``}.`,
  );
  return 'applied';
}

async function fail(ctx: ChangeContext, cr: ChangeRequest, err: CodedError, jobId: string): Promise<void> {
  const { result, request } = await ctx.requests.apply(
    cr.id,
    { type: 'failed', error: { code: err.code, message: err.message } },
    ctx.now(),
  );
  if (!result.ok) return;
  await recordAudit(ctx, {
    type: 'failed',
    target: auditTarget(request),
    requestId: cr.id,
    before: await recalledBefore(ctx, cr.id),
    reason: err.message,
    jobId,
    key: `${cr.id}:failed`,
  });
  await refreshCards(ctx, request, md`:x: Failed: ${err.message}`);
}

export { enforceOne };
