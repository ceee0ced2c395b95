import type { KnownBlock } from '@slack/types';
import type { ChangeContext } from '../../../app/change/context.js';
import { approversChannelOf } from '../../../config/slack-schema.js';
import { approvalsMissing, describeChange } from '../../../domain/change/request.js';
import type { ChangeRequest } from '../../../domain/change/request-schema.js';
import { changeLine } from '../changes-text.js';
import {
  bold,
  code,
  context,
  date,
  join,
  lines,
  type Mrkdwn,
  md,
  notification,
  plainText,
  section,
  trusted,
  user,
  wire,
} from '../text.js';

export const CR_ACTIONS = {
  approve: 'imds_cr_approve',
  deny: 'imds_cr_deny',
  rollback: 'imds_cr_rollback',
  /** on an approved / applying card: what the bot knows of the request now */
  status: 'imds_cr_status',
} as const;

/**
 * A request button's value: the request id, or `<request id>/<instance id>` where the button
 * acts on one instance of a bulk (the rollback button of a rejection alert).
 */
export const requestButtonValue = (requestId: string, instanceId?: string): string =>
  instanceId ? `${requestId}/${instanceId}` : requestId;

export function parseRequestButton(value: string): { requestId: string; instanceId?: string } {
  const m = /^(cr-[0-9a-z-]{1,40})\/(i-[0-9a-f]{8,17})$/.exec(value);
  return m?.[1] && m[2] ? { requestId: m[1], instanceId: m[2] } : { requestId: value };
}

const STATE_LINE: Record<ChangeRequest['state'], string> = {
  requested: ':hourglass: Waiting for approval',
  approved: ':white_check_mark: Approved, queued',
  applying: ':gear: Applying…',
  applied: ':white_check_mark: Applied and verified',
  failed: ':x: Failed',
  denied: ':no_entry: Denied',
  expired: ':clock3: Expired without a decision',
  'rolled-back': ':leftwards_arrow_with_hook: Rolled back',
};

const where = (accountId: string, region: string | null) =>
  region ? md`${accountId}/${region}` : md`${accountId}`;

const targetText = (cr: ChangeRequest): Mrkdwn => {
  const t = cr.target;
  if (t.type === 'instance') return md`${code(t.instanceId)} in ${where(t.accountId, t.region)}`;
  if (t.type === 'launch-template')
    return md`launch template ${code(t.launchTemplateId)} in ${where(t.accountId, t.region)}`;
  if (t.type === 'account-default')
    return md`the instance metadata default of ${where(t.accountId, t.region)}`;
  const owner = t.owner ? md` owned by ${user(t.owner)}` : md``;
  return md`${t.instanceIds.length} instance(s) in ${where(t.accountId, t.region)}${owner}`;
};

const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger') => ({
  type: 'button' as const,
  text: plainText(text, 75),
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

type Progress = { done: number; total: number; failed: number };

function stateText(cr: ChangeRequest): Mrkdwn {
  if (cr.state !== 'requested') return md`${STATE_LINE[cr.state]}`;
  const expires = date(new Date(cr.expiresAt));
  return md`${STATE_LINE[cr.state]} (${approvalsMissing(cr)} more approval(s) needed; expires ${expires})`;
}

function peopleText(cr: ChangeRequest): Mrkdwn {
  const approvals = join(
    cr.approvals.map((a) =>
      a.override ? md`${user(a.userId)} (override: ${a.override.reason})` : user(a.userId),
    ),
    ', ',
  );
  const reason = cr.reason ? md`: ${cr.reason}` : md``;
  const approved = cr.approvals.length ? md` · approved by ${approvals}` : md``;
  return md`Requested by ${user(cr.requestedBy.userId)}${reason}${approved}`;
}

function outcomeLines(cr: ChangeRequest): (Mrkdwn | null)[] {
  const denial = cr.denials[0];
  const aws = cr.awsRequestId ? md` · AWS request ${code(cr.awsRequestId)}` : md``;
  return [
    denial ? md`Denied by ${user(denial.userId)}: ${denial.reason}` : null,
    cr.state === 'applied' ? md`${changeLine(cr.before, cr.after)}${aws}` : null,
    cr.error ? md`Error: ${cr.error.message}` : null,
    cr.rollback
      ? md`Rolled back by ${user(cr.rollback.by.userId)} (${cr.rollback.requestId}): ${cr.rollback.reason}`
      : null,
  ];
}

/** The card of a change request, for its current state: buttons only where they still apply. */
export function requestCard(cr: ChangeRequest, notes: string[] = [], progress?: Progress) {
  const body = lines(
    md`${bold(trusted(describeChange(cr)))} — ${targetText(cr)}`,
    stateText(cr),
    peopleText(cr),
    ...outcomeLines(cr),
    progress
      ? md`Progress: ${progress.done}/${progress.total} done${progress.failed ? md`, ${progress.failed} failed` : md``}`
      : null,
    ...notes.map(trusted),
  );
  const blocks: KnownBlock[] = [section(body)];
  if (cr.state === 'requested') {
    blocks.push({
      type: 'actions',
      elements: [
        button('Approve', CR_ACTIONS.approve, cr.id, 'primary'),
        button('Deny', CR_ACTIONS.deny, cr.id, 'danger'),
      ],
    });
  } else if (cr.state === 'approved' || cr.state === 'applying') {
    blocks.push({ type: 'actions', elements: [button('Check status', CR_ACTIONS.status, cr.id)] });
  } else if (cr.state === 'applied' && cr.kind !== 'rollback') {
    blocks.push({
      type: 'actions',
      elements: [button('Request rollback', CR_ACTIONS.rollback, cr.id, 'danger')],
    });
  }
  blocks.push(context(md`${cr.id} · ${cr.kind} · v${String(cr.version)}`));
  return { text: notification(md`${trusted(describeChange(cr))}: ${cr.state}`), blocks: wire(blocks) };
}

/** Posts a new request to the approvers' channel; the card is kept for updates in place. */
export async function postRequestCard(ctx: ChangeContext, cr: ChangeRequest, notes: string[]): Promise<void> {
  const channel = approversChannelOf(ctx.workflow.slack);
  if (!channel) {
    ctx.log.warn(
      { requestId: cr.id },
      'no slack.approversChannel or securityChannel: the request has no card',
    );
    return;
  }
  await ctx.redis.set(`${ctx.prefix}:cr-notes:${cr.id}`, JSON.stringify(notes), 'EX', 30 * 86_400);
  const instanceKeys =
    cr.target.type === 'instance'
      ? [`${cr.target.accountId}:${cr.target.region}:${cr.target.instanceId}`]
      : [];
  await ctx.out.add({
    kind: 'post',
    channel,
    ...requestCard(cr, notes),
    card: { key: `request:${cr.id}`, kind: 'request', instanceKeys },
  });
}

/** Every card showing the request is updated in place, and its thread told what happened. */
export async function refreshCards(
  ctx: ChangeContext,
  cr: ChangeRequest,
  threadNote: Mrkdwn | null,
  progress?: Progress,
): Promise<void> {
  const notes = JSON.parse((await ctx.redis.get(`${ctx.prefix}:cr-notes:${cr.id}`)) ?? '[]') as string[];
  const card = await ctx.cards.get(`request:${cr.id}`);
  if (!card) return; // posted moments ago: its delivery job records it; the next change updates it
  const body = requestCard(cr, notes, progress);
  await ctx.out.add({
    kind: 'update',
    channel: card.channel,
    ts: card.ts,
    text: body.text,
    blocks: body.blocks,
    version: cr.version * 10_000 + (progress ? progress.done + progress.failed : 0),
  });
  if (threadNote)
    await ctx.out.add({
      kind: 'post',
      channel: card.channel,
      threadTs: card.ts,
      text: notification(threadNote),
    });
  const origin = threadNote ? await ctx.redis.get(`${ctx.prefix}:cr-origin:${cr.id}`) : null;
  if (origin && threadNote) {
    const o = JSON.parse(origin) as { channel: string; ts: string };
    const text = notification(md`${cr.id}: ${threadNote}`);
    await ctx.out.add({ kind: 'post', channel: o.channel, threadTs: o.ts, text });
  }
}
