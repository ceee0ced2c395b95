import { recordRefusal, unknownTarget } from '../../../app/change/audit.js';
import { approve, deny } from '../../../app/change/decide.js';
import { requestBulk, requestEnforce, requestRollback } from '../../../app/change/request.js';
import type { RequestOutcome } from '../../../app/change/request-file.js';
import { requestAccountDefault, requestTemplateFix } from '../../../app/change/request-prevention.js';
import { requestRefresh } from '../../../app/change/request-refresh.js';
import { asBulk } from '../../../app/change/targets/bulk.js';
import { auditTarget } from '../../../app/change/targets/index.js';
import { canDecide } from '../../../domain/change/approval-policy.js';
import { isLaggard } from '../../../domain/findings/classify.js';
import { ownerRefOf } from '../../../domain/findings/owner-route.js';
import { nonprodOnly } from '../../../domain/fixes/environment.js';
import type { ParsedCommand } from '../commands/schema.js';
import { render } from '../render.js';
import { code, lines, md, section, trusted } from '../text.js';
import { ephemeral, type ResponseMessage } from '../web.js';
import { inactiveRefusal } from './active.js';
import { locateRef } from './cards.js';
import type { TaskContext } from './context.js';
import { nonprodOutcome } from './nonprod.js';
import type { SlackTask } from './schema.js';

/** Outcomes and notes are what the change code said, rendered (its data escaped) here. */
export function outcomeMessage(o: RequestOutcome): ResponseMessage {
  if (!o.ok) return ephemeral(render(o.reason));
  const cr = o.request;
  return ephemeral(
    lines(
      md`Requested ${cr.id}: it needs ${cr.requiredApprovals} approval(s) from approvers other than you; the card is in the approvers' channel.`,
      ...o.notes.map(render),
    ),
  );
}

/** Enforce from a digest card: the button's opaque id is checked, then it is a normal request. */
export async function enforceFromCard(
  ctx: TaskContext,
  task: Extract<SlackTask, { kind: 'card-action' }>,
): Promise<ResponseMessage> {
  const loc = await locateRef(ctx, task.ref, { user: task.user, action: 'enforce' });
  if (!loc.ok) return loc.message;
  const actor = await ctx.access.actorFor(task.user.id, task.channelId);
  return outcomeMessage(
    await requestEnforce(
      ctx.change,
      loc.finding,
      { userId: task.user.id, name: task.user.name },
      actor.groups,
      null,
      { channelId: task.channelId, messageTs: task.messageTs },
    ),
  );
}

/** /imds enforce <instance-id> [reason] */
export async function enforceCommand(
  ctx: TaskContext,
  user: { id: string; name: string },
  actor: { groups: readonly string[] },
  channelId: string,
  instanceId: string,
  reason: string | null,
): Promise<ResponseMessage> {
  const f = await ctx.findings.locate(instanceId);
  if (!f) return ephemeral(md`No scan has seen ${code(instanceId)}: nothing to enforce.`);
  return outcomeMessage(
    await requestEnforce(ctx.change, f, { userId: user.id, name: user.name }, actor.groups, reason, {
      channelId,
    }),
  );
}

/** /imds rollback <instance-id | cr-id> <reason>: the latest applied enforcement of that instance
 * (one instance of a bulk too), or every instance a bulk request still enforces. */
export async function rollbackCommand(
  ctx: TaskContext,
  user: { id: string; name: string },
  actor: { groups: readonly string[] },
  channelId: string,
  instanceId: string,
  reason: string,
): Promise<ResponseMessage> {
  const by = { userId: user.id, name: user.name };
  if (instanceId.startsWith('cr-')) {
    const original = await ctx.change.requests.get(instanceId);
    if (!original) return ephemeral(md`No change request ${instanceId}.`);
    return outcomeMessage(
      await requestRollback(ctx.change, original, by, actor.groups, reason, { channelId }),
    );
  }
  const f = await ctx.findings.locate(instanceId);
  if (!f) return ephemeral(md`No scan has seen ${code(instanceId)}.`);
  const last = await ctx.change.requests.lastApplied({
    accountId: f.accountId,
    region: f.region,
    resource: instanceId,
  });
  if (!last) return ephemeral(md`No applied change of ${code(instanceId)} to roll back.`);
  const one = asBulk(last) ? instanceId : undefined;
  return outcomeMessage(
    await requestRollback(ctx.change, last, by, actor.groups, reason, { channelId }, one),
  );
}

/** Refresh <group> on an applied template fix's card: the group it offered, then a normal refresh request. */
export async function refreshFromCard(
  ctx: TaskContext,
  task: Extract<SlackTask, { kind: 'cr-refresh' }>,
): Promise<ResponseMessage> {
  const fix = await ctx.change.requests.get(task.requestId);
  const t = fix?.target;
  if (!fix || t?.type !== 'launch-template' || fix.state !== 'applied')
    return ephemeral(
      md`${task.requestId} is not an applied launch-template fix: nothing to refresh from it.`,
    );
  const asgName = (await ctx.refreshOffers?.refreshOffers(fix.id))?.[task.index];
  if (!asgName) return ephemeral(md`${task.requestId} offers no such Auto Scaling group.`);
  const { groups } = await ctx.access.actorFor(task.user.id, task.channelId);
  const by = { userId: task.user.id, name: task.user.name };
  const group = { accountId: t.accountId, region: t.region, asgName };
  return outcomeMessage(await requestRefresh(ctx.change, group, by, groups, { channelId: task.channelId }));
}

/** `/imds fix-template`, `fix-default`, `enforce-ready` and `refresh`: each files one change request. */
export async function changeCommand(
  ctx: TaskContext,
  user: { id: string; name: string },
  groups: readonly string[],
  channelId: string | null,
  cmd: Extract<ParsedCommand, { name: 'fix-template' | 'fix-default' | 'enforce-ready' | 'refresh' }>,
): Promise<ResponseMessage> {
  const by = { userId: user.id, name: user.name };
  const where = { channelId };
  if (cmd.name === 'fix-template') {
    return outcomeMessage(await requestTemplateFix(ctx.change, cmd.args, by, groups, where));
  }
  if (cmd.name === 'refresh') {
    return outcomeMessage(await requestRefresh(ctx.change, cmd.args, by, groups, where));
  }
  if (cmd.name === 'fix-default') {
    return outcomeMessage(await requestAccountDefault(ctx.change, cmd.args, by, groups, where));
  }
  const c = cmd.args;
  const snaps = await ctx.findings.latestSnapshots(c.accountId);
  let findings = snaps.flatMap((s) => s.findings.filter(isLaggard));
  if (c.env === 'nonprod') findings = nonprodOnly(findings, ctx.workflow.environment);
  if (c.owner) {
    const routes = await ctx.directory.resolveMany(findings.flatMap((f) => ownerRefOf(f) ?? []));
    findings = findings.filter(
      (f) =>
        f.owner &&
        routes.get(f.owner)?.kind === 'user' &&
        (routes.get(f.owner) as { userId: string }).userId === c.owner,
    );
  }
  const outcome = await requestBulk(
    ctx.change,
    findings,
    { accountId: c.accountId, owner: c.owner },
    by,
    groups,
    where,
  );
  return outcomeMessage(c.env === 'nonprod' ? nonprodOutcome(outcome, ctx.workflow.environment) : outcome);
}

/**
 * Approve / deny / request rollback from a request card (or its modal). Group membership is asked
 * of Slack now, not the cache: someone removed from the approvers a moment ago cannot approve.
 */
export async function decision(
  ctx: TaskContext,
  task: Extract<SlackTask, { kind: 'cr-decision' }>,
): Promise<ResponseMessage> {
  const by = { userId: task.user.id, name: task.user.name };
  const { groups } = await ctx.access.actorFor(task.user.id, task.channelId, { fresh: true });
  if (task.action === 'approve')
    return ephemeral(
      render(
        (
          await approve(ctx.change, task.requestId, by, groups, {
            overrideReason: task.overrideReason,
            confirmed: task.confirmed,
          })
        ).message,
      ),
    );
  if (task.action === 'deny')
    return ephemeral(render((await deny(ctx.change, task.requestId, by, groups, task.reason ?? '')).message));
  const original = await ctx.change.requests.get(task.requestId);
  if (!original) return ephemeral(md`No change request ${task.requestId}.`);
  const o = await requestRollback(
    ctx.change,
    original,
    by,
    groups,
    task.reason ?? '',
    { channelId: task.channelId },
    task.instanceId,
  );
  if (!o.ok)
    await recordRefusal(ctx, {
      actor: by,
      action: 'rollback',
      target: auditTarget(original),
      requestId: original.id,
      code: 'rollback-refused',
      reason: render(o.reason).text,
    });
  return outcomeMessage(o);
}

export interface DecisionAttempt {
  action: 'approve' | 'deny' | 'rollback';
  requestId: string;
  user: { id: string; name: string };
  channelId: string | null;
}

/**
 * The card of a request the bot cannot find (Redis lost it, e.g. restarted without AOF; or the
 * card is forged) is replaced by one that says so and offers a re-scan: it never waits forever.
 */
export function lostRequestMessage(requestId: string): ResponseMessage {
  const text = md`:warning: imds-bot no longer knows change request ${requestId}: its record is gone (Redis lost data?), or the card is stale or forged. Nothing will happen from this card. Re-scan with ${trusted('`/imds scan`')} to see the current state, then file the change again if it is still needed.`;
  return { ...ephemeral(text, [section(text)]), replace_original: true };
}

/**
 * Before an Approve, Deny or Rollback modal opens: someone who may not decide this request is
 * refused at once, told who can, and the attempt is audited. Null when they may go on.
 */
export async function precheckDecision(
  ctx: TaskContext,
  a: DecisionAttempt,
): Promise<ResponseMessage | null> {
  const inactive = await inactiveRefusal(ctx, { kind: 'cr-decision', ...a, responseUrl: null });
  if (inactive) return inactive;
  const actor = { userId: a.user.id, name: a.user.name };
  const cr = await ctx.change.requests.get(a.requestId);
  if (!cr) {
    await recordRefusal(ctx, {
      actor,
      action: a.action,
      target: unknownTarget(a.requestId),
      code: 'unknown-request',
      reason: `No change request ${a.requestId}: the card is stale or forged.`,
    });
    return lostRequestMessage(a.requestId);
  }
  const who = await ctx.access.actorFor(a.user.id, a.channelId);
  const decision = canDecide(who, cr, a.action, ctx.workflow.approvals);
  if (decision.allowed) return null;
  await recordRefusal(ctx, {
    actor,
    action: a.action,
    target: auditTarget(cr),
    requestId: cr.id,
    code: decision.code,
    reason: decision.reason,
  });
  return ephemeral(trusted(decision.reason));
}
