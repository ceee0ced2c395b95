import { recordAudit, recordRefusal, unknownTarget } from '../../../app/change/audit.js';
import { alreadyRequired } from '../../../app/change/finding-update.js';
import { type TeamSettings, teamNamed } from '../../../config/slack-schema.js';
import { isSecurity, securityLabel } from '../../../domain/change/approval-roles.js';
import type { Finding } from '../../../domain/findings/model.js';
import { render } from '../render.js';
import {
  code,
  date,
  join,
  type Mrkdwn,
  md,
  mention,
  notification,
  trusted,
  user as userMention,
} from '../text.js';
import { ephemeral, type ResponseMessage } from '../web.js';
import type { TaskContext } from './context.js';
import type { SlackTask } from './schema.js';

type Actor = { id: string; name: string };

export type Located =
  | { ok: true; finding: Finding; instanceKey: string }
  | { ok: false; message: ResponseMessage };

/**
 * A button's opaque id, checked at click time: unknown or expired ids (a forged button, a card
 * older than 30 days) are refused and audited; instances the latest scan no longer sees are
 * refused with a reason.
 */
export async function locateRef(
  ctx: TaskContext,
  ref: string,
  attempt: { user: Actor; action: string },
): Promise<Located> {
  const parsed = /^[\w-]{8,64}$/.test(ref) ? await ctx.slackState.ref(ref) : null;
  if (!parsed) {
    const reason = md`This button is not from a current imds-bot card (expired or unknown): run ${code('/imds status <instance-id>')} for the latest.`;
    await recordRefusal(ctx, {
      actor: { userId: attempt.user.id, name: attempt.user.name },
      action: attempt.action,
      target: unknownTarget(`ref:${ref}`),
      code: 'unknown-button',
      reason: reason.text,
    });
    return { ok: false, message: ephemeral(reason) };
  }
  const instanceId = parsed.instanceKey.split(':')[2] ?? '';
  const finding = await ctx.findings.locate(instanceId);
  if (!finding)
    return {
      ok: false,
      message: ephemeral(
        md`${code(instanceId)} is no longer seen by the scans (terminated or out of scope): nothing to do.`,
      ),
    };
  return { ok: true, finding, instanceKey: parsed.instanceKey };
}

/** Owners act on their own instances; security on any. Everyone else is told who can. */
export async function mayActOn(
  ctx: TaskContext,
  userId: string,
  channelId: string | null,
  f: Finding,
): Promise<ResponseMessage | null> {
  const actor = await ctx.access.actorFor(userId, channelId);
  if (isSecurity(actor, ctx.workflow.approvals)) return null;
  const route = await ctx.directory.routeOf(f);
  if (route?.kind === 'user' && route.userId === userId) return null;
  const team = route?.kind === 'channel' && f.owner ? teamNamed(ctx.workflow.slack, f.owner) : undefined;
  if (team && (await actsForTeam(ctx, userId, team))) return null;
  const owner = team ? teamLabel(f.owner ?? '', team) : md`${f.owner ?? 'untagged'}`;
  return ephemeral(
    md`Only the owner of ${code(f.instanceId)} (${owner}) or security (${trusted(securityLabel(ctx.workflow.approvals))}) can do that.`,
  );
}

/** A team acts through its configured members and user group: posting in its channel is not enough. */
async function actsForTeam(ctx: TaskContext, userId: string, team: TeamSettings): Promise<boolean> {
  if (team.members.includes(userId)) return true;
  return team.usergroup !== null && (await ctx.access.inGroup(userId, team.usergroup));
}

const teamLabel = (name: string, team: TeamSettings): Mrkdwn => {
  const who = [...team.members, ...(team.usergroup ? [team.usergroup] : [])].map(mention);
  return who.length > 0
    ? md`team ${name}: ${join(who, ', ')}`
    : md`team ${name}: no members configured under slack.teams`;
};

const target = (f: Finding) => ({ accountId: f.accountId, region: f.region, resource: f.instanceId });

type Where = { channelId: string | null; messageTs: string | null };

async function threadReply(ctx: TaskContext, where: Where, text: Mrkdwn): Promise<void> {
  if (where.channelId && where.messageTs)
    await ctx.out.add({
      kind: 'post',
      channel: where.channelId,
      threadTs: where.messageTs,
      text: notification(text),
    });
}

/** Acknowledge: the owner has seen it and plans to act. Recorded, audited, told on the card's thread. */
export async function acknowledge(
  ctx: TaskContext,
  task: Extract<SlackTask, { kind: 'card-action' }>,
  note: string | null = null,
): Promise<ResponseMessage> {
  const loc = await locateRef(ctx, task.ref, { user: task.user, action: 'ack' });
  if (!loc.ok) return loc.message;
  return acknowledgeFinding(ctx, task.user, task, loc.finding, note);
}

export async function acknowledgeFinding(
  ctx: TaskContext,
  user: Actor,
  where: Where,
  f: Finding,
  note: string | null,
): Promise<ResponseMessage> {
  const refused = await mayActOn(ctx, user.id, where.channelId, f);
  if (refused) return refused;
  const at = ctx.now().toISOString();
  const by = { userId: user.id, name: user.name };
  await ctx.acks.acknowledge({ instanceKey: `${f.accountId}:${f.region}:${f.instanceId}`, by, at, note });
  await recordAudit(ctx, {
    type: 'acknowledged',
    actor: by,
    target: target(f),
    reason: note,
    card: cardOf(where),
  });
  const said = note ? md`: ${note}` : md``;
  await threadReply(ctx, where, md`:eyes: ${userMention(user.id)} acknowledged ${code(f.instanceId)}${said}`);
  return ephemeral(
    md`Acknowledged ${code(f.instanceId)}. It stays in your digest until it is fixed or snoozed.`,
  );
}

const cardOf = (w: Where) => (w.channelId && w.messageTs ? { channel: w.channelId, ts: w.messageTs } : null);

/** Snooze: leaves the digests until it ends, then the owner hears again (the sweeper). */
export async function snooze(
  ctx: TaskContext,
  task: Extract<SlackTask, { kind: 'snooze' }>,
): Promise<ResponseMessage> {
  const loc = await locateRef(ctx, task.ref, { user: task.user, action: 'snooze' });
  if (!loc.ok) return loc.message;
  return snoozeFinding(ctx, task.user, task, loc.finding, task.days * 86_400_000, task.reason);
}

export async function snoozeFinding(
  ctx: TaskContext,
  user: Actor,
  where: Where,
  f: Finding,
  durationMs: number,
  reason: string,
): Promise<ResponseMessage> {
  const refused = await mayActOn(ctx, user.id, where.channelId, f);
  if (refused) return refused;
  const already = await alreadyRequired(ctx.findings, f);
  if (already) return ephemeral(md`${render(already)} Nothing to snooze.`);
  const max = ctx.workflow.approvals.maxSnoozeDays;
  if (durationMs > max * 86_400_000) return ephemeral(md`Snoozes are limited to ${max} days by policy.`);
  const until = new Date(ctx.now().getTime() + durationMs);
  const by = { userId: user.id, name: user.name };
  await ctx.snoozes.snooze(
    { accountId: f.accountId, region: f.region, instanceId: f.instanceId, until, reason, by },
    ctx.now(),
  );
  await recordAudit(ctx, {
    type: 'snoozed',
    actor: by,
    target: target(f),
    after: { until: until.toISOString() },
    reason,
    card: cardOf(where),
  });
  await threadReply(
    ctx,
    where,
    md`:zzz: ${userMention(user.id)} snoozed ${code(f.instanceId)} until ${date(until, '{date_short}')}: ${reason}`,
  );
  return ephemeral(md`Snoozed ${code(f.instanceId)} until ${date(until)}.`);
}
