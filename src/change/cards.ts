import { approversChannelOf } from '../config/slack-schema.js';
import type { ChangeRequest } from '../domain/change-request.js';
import { approvalsMissing, describeChange } from '../domain/change-request.js';
import type { ChangeContext } from './context.js';

export const CR_ACTIONS = {
  approve: 'imds_cr_approve',
  deny: 'imds_cr_deny',
  rollback: 'imds_cr_rollback',
} as const;

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

const targetText = (cr: ChangeRequest): string => {
  const t = cr.target;
  if (t.type === 'instance') return `\`${t.instanceId}\` in ${t.accountId}/${t.region}`;
  if (t.type === 'launch-template')
    return `launch template \`${t.launchTemplateId}\` in ${t.accountId}/${t.region}`;
  if (t.type === 'account-default') return `the instance metadata default of ${t.accountId}/${t.region}`;
  return `${t.instanceIds.length} instance(s) in ${t.accountId}${t.region ? `/${t.region}` : ''}${t.owner ? ` owned by <@${t.owner}>` : ''}`;
};

const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger') => ({
  type: 'button',
  text: { type: 'plain_text', text },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

/** The card of a change request, for its current state: buttons only where they still apply. */
export function requestCard(
  cr: ChangeRequest,
  notes: string[] = [],
  progress?: { done: number; total: number; failed: number },
) {
  const approvals = cr.approvals
    .map((a) => `<@${a.userId}>${a.override ? ` (override: ${a.override.reason})` : ''}`)
    .join(', ');
  const lines = [
    `*${describeChange(cr)}* — ${targetText(cr)}`,
    `${STATE_LINE[cr.state]}${cr.state === 'requested' ? ` (${approvalsMissing(cr)} more approval(s) needed; expires ${cr.expiresAt.slice(0, 16)}Z)` : ''}`,
    `Requested by <@${cr.requestedBy.userId}>${cr.reason ? `: ${cr.reason}` : ''}${approvals ? ` · approved by ${approvals}` : ''}`,
    ...(cr.denials.length ? [`Denied by <@${cr.denials[0]?.userId}>: ${cr.denials[0]?.reason}`] : []),
    ...(cr.state === 'applied'
      ? [
          `Before: \`${JSON.stringify(cr.before)}\` → after: \`${JSON.stringify(cr.after)}\`${cr.awsRequestId ? ` · AWS request ${cr.awsRequestId}` : ''}`,
        ]
      : []),
    ...(cr.error ? [`Error: ${cr.error.message}`] : []),
    ...(cr.rollback
      ? [`Rolled back by <@${cr.rollback.by.userId}> (${cr.rollback.requestId}): ${cr.rollback.reason}`]
      : []),
    ...(progress
      ? [
          `Progress: ${progress.done}/${progress.total} done${progress.failed ? `, ${progress.failed} failed` : ''}`,
        ]
      : []),
    ...notes,
  ];
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 2990) } },
  ];
  if (cr.state === 'requested') {
    blocks.push({
      type: 'actions',
      elements: [
        button('Approve', CR_ACTIONS.approve, cr.id, 'primary'),
        button('Deny', CR_ACTIONS.deny, cr.id, 'danger'),
      ],
    });
  } else if (cr.state === 'applied' && cr.kind !== 'rollback' && cr.target.type !== 'bulk') {
    blocks.push({
      type: 'actions',
      elements: [button('Request rollback', CR_ACTIONS.rollback, cr.id, 'danger')],
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${cr.id} · ${cr.kind} · v${cr.version}` }],
  });
  return { text: `${describeChange(cr)}: ${cr.state}`, blocks };
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
  threadNote: string | null,
  progress?: { done: number; total: number; failed: number },
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
    await ctx.out.add({ kind: 'post', channel: card.channel, threadTs: card.ts, text: threadNote });
  const origin = threadNote ? await ctx.redis.get(`${ctx.prefix}:cr-origin:${cr.id}`) : null;
  if (origin && threadNote) {
    const o = JSON.parse(origin) as { channel: string; ts: string };
    await ctx.out.add({ kind: 'post', channel: o.channel, threadTs: o.ts, text: `${cr.id}: ${threadNote}` });
  }
}
