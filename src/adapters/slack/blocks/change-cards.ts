import type { KnownBlock } from '@slack/types';
import { targetOf } from '../../../app/change/targets/index.js';
import { approversChannelOf } from '../../../config/slack-schema.js';
import type { Workflow } from '../../../config/workflow-schema.js';
import { approvalsMissing, describeChange } from '../../../domain/change/request.js';
import type { ChangeRequest } from '../../../domain/change/request-schema.js';
import { link as linkTo } from '../../../domain/message.js';
import type { ChangeNotifier, Progress } from '../../../domain/ports/notifier.js';
import type { Logger } from '../../log.js';
import type { CardStore } from '../../redis/cards.js';
import type { SlackDeliveryStore } from '../../redis/slack-delivery.js';
import { CR_ACTIONS, refreshActionId } from '../actions.js';
import { changeLine } from '../changes-text.js';
import type { SlackOutQueue } from '../out.js';
import { MAX_REFRESH_BUTTONS, refreshButtonValue } from '../refresh-offers.js';
import { render } from '../render.js';
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
} from '../text.js';

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

const targetText = (cr: ChangeRequest): Mrkdwn => render(targetOf(cr.target).describe(cr.target));

const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger') => ({
  type: 'button' as const,
  text: plainText(text, 75),
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

/**
 * Approving changes production: Slack asks once more in its confirmation dialog before the click
 * reaches the bot. A decision that needs more (an override reason, a confirmation of unknown use)
 * opens the bot's own modal after it. No data in it: nothing from AWS or a person to escape.
 */
const APPROVE_CONFIRM = {
  title: plainText('Approve this change?', 100),
  text: plainText(
    'It is applied at once, as the card says. Software that still uses IMDSv1 on the target stops getting metadata; a rollback stays one click away.',
    300,
  ),
  confirm: plainText('Approve', 30),
  deny: plainText('Cancel', 30),
  style: 'primary' as const,
};

/** A find-caller changes nothing: the dialog says what it does run. */
const FIND_CALLER_CONFIRM = {
  ...APPROVE_CONFIRM,
  title: plainText('Run the search on the instance?', 100),
  text: plainText(
    'SSM Run Command runs the read-only find-imdsv1-callers script on the instance for a bounded time; it changes nothing there.',
    300,
  ),
  confirm: plainText('Approve and run', 30),
};

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

const appliedLine = (cr: ChangeRequest): Mrkdwn => {
  const line = targetOf(cr.target).appliedLine?.(cr);
  return line ? render(line) : changeLine(cr.before, cr.after);
};

function outcomeLines(cr: ChangeRequest): (Mrkdwn | null)[] {
  const denial = cr.denials[0];
  const aws = cr.awsRequestId ? md` · AWS request ${code(cr.awsRequestId)}` : md``;
  return [
    denial ? md`Denied by ${user(denial.userId)}: ${denial.reason}` : null,
    cr.state === 'applied' ? md`${appliedLine(cr)}${aws}` : null,
    cr.error ? md`Error: ${cr.error.message}` : null,
    cr.rollback
      ? md`Rolled back by ${user(cr.rollback.by.userId)} (${cr.rollback.requestId}): ${cr.rollback.reason}`
      : null,
  ];
}

/** Applied template fix: one button per group launching it (the click files an instance refresh). */
const refreshButtons = (cr: ChangeRequest, offers: readonly string[]) =>
  cr.kind === 'launch-template-fix'
    ? offers
        .slice(0, MAX_REFRESH_BUTTONS)
        .map((name, i) =>
          button(`Refresh ${name}`, refreshActionId(i), refreshButtonValue(cr.id, i), 'primary'),
        )
    : [];

/** The card of a change request, for its current state: buttons only where they still apply. */
export function requestCard(
  cr: ChangeRequest,
  notes: string[] = [],
  progress?: Progress,
  offers: readonly string[] = [],
) {
  const body = lines(
    md`${bold(trusted(describeChange(cr)))} — ${targetText(cr)}`,
    stateText(cr),
    peopleText(cr),
    ...outcomeLines(cr),
    progress?.line
      ? render(progress.line)
      : progress
        ? md`Progress: ${progress.done}/${progress.total} done${progress.failed ? md`, ${progress.failed} failed` : md``}`
        : null,
    ...notes.map(trusted),
  );
  const blocks: KnownBlock[] = [section(body)];
  if (cr.state === 'requested') {
    blocks.push({
      type: 'actions',
      elements: [
        {
          ...button('Approve', CR_ACTIONS.approve, cr.id, 'primary'),
          confirm: cr.kind === 'find-caller' ? FIND_CALLER_CONFIRM : APPROVE_CONFIRM,
        },
        button('Deny', CR_ACTIONS.deny, cr.id, 'danger'),
      ],
    });
  } else if (cr.state === 'approved' || cr.state === 'applying') {
    blocks.push({ type: 'actions', elements: [button('Check status', CR_ACTIONS.status, cr.id)] });
  } else if (cr.state === 'applied' && cr.kind !== 'rollback' && cr.kind !== 'find-caller') {
    // a followed refresh that ended can no longer be rolled back: the button would only be refused
    const rollback = progress?.final
      ? []
      : [button('Request rollback', CR_ACTIONS.rollback, cr.id, 'danger')];
    const elements = [...refreshButtons(cr, offers), ...rollback];
    if (elements.length > 0) blocks.push({ type: 'actions', elements });
  }
  blocks.push(context(md`${cr.id} · ${cr.kind} · v${String(cr.version)}`));
  return { text: notification(md`${trusted(describeChange(cr))}: ${cr.state}`), blocks: blocks };
}

export interface ChangeNotifierDeps {
  workflow: Pick<Workflow, 'slack'>;
  deliveries: SlackDeliveryStore;
  cards: CardStore;
  out: SlackOutQueue;
  log: Logger;
}

const MONTH_S = 30 * 86_400;

/**
 * Change control's notifier on Slack: a new request's card in the approvers' channel (kept for
 * updates in place), each change of state on every card showing it and in its threads. What the use
 * cases say is rendered here (render.ts), every value escaped once.
 */
export function createChangeNotifier(d: ChangeNotifierDeps): ChangeNotifier {
  /**
   * The request's card redrawn in place; null when it has no card yet (posted moments ago: its
   * delivery job records it, and the next change updates it).
   */
  const updateCard = async (
    cr: ChangeRequest,
    progress: Progress | undefined,
    offers: Parameters<typeof requestCard>[3],
    version: number,
  ) => {
    const card = await d.cards.get(`request:${cr.id}`);
    if (!card) return null;
    const body = requestCard(cr, await d.deliveries.requestNotes(cr.id), progress, offers);
    await d.out.add({ kind: 'update', channel: card.channel, ts: card.ts, ...body, version });
    return card;
  };
  return {
    async filed(cr, notes, where) {
      if (where.channelId && where.messageTs) {
        const origin = { channel: where.channelId, ts: where.messageTs };
        await d.deliveries.saveRequestOrigin(cr.id, origin, MONTH_S);
      }
      const channel = approversChannelOf(d.workflow.slack);
      if (!channel) {
        d.log.warn(
          { requestId: cr.id },
          'no slack.approversChannel or securityChannel: the request has no card',
        );
        return;
      }
      const texts = notes.map((n) => render(n).text);
      await d.deliveries.saveRequestNotes(cr.id, texts, MONTH_S);
      await d.out.add({
        kind: 'post',
        channel,
        ...requestCard(cr, texts),
        card: {
          key: `request:${cr.id}`,
          kind: 'request',
          instanceKeys: targetOf(cr.target).cardInstanceKeys(cr.target),
        },
      });
    },

    /** Every card showing the request is updated in place, and its thread told what happened. */
    async changed(cr, note, progress?: Progress) {
      const offers = await d.deliveries.refreshOffers(cr.id);
      const version = cr.version * 10_000 + (progress ? progress.done + progress.failed : 0);
      const card = await updateCard(cr, progress, offers, version);
      if (!card || !note) return;
      const threadNote = render(note);
      await d.out.add({
        kind: 'post',
        channel: card.channel,
        threadTs: card.ts,
        text: notification(threadNote),
      });
      const o = await d.deliveries.requestOrigin(cr.id);
      if (!o) return;
      const text = notification(md`${cr.id}: ${threadNote}`);
      await d.out.add({ kind: 'post', channel: o.channel, threadTs: o.ts, text });
    },

    /** the card shows the buttons from now on (one version up, so the update is not taken for a stale one) */
    async offerRefresh(cr, asgNames) {
      await d.deliveries.saveRefreshOffers(cr.id, asgNames, MONTH_S);
      await updateCard(cr, undefined, asgNames, cr.version * 10_000 + 1);
    },

    async cardLink(requestId) {
      const card = await d.cards.get(`request:${requestId}`);
      return card
        ? linkTo(`https://slack.com/archives/${card.channel}/p${card.ts.replace('.', '')}`, 'its card')
        : null;
    },
  };
}
