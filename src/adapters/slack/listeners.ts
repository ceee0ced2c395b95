import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import { errorMessage } from '../../domain/errors.js';
import {
  CardButtonValue,
  CR_ACTION,
  DECISION_CALLBACK,
  DIGEST_ACTION,
  digestActionOf,
  GUARDRAIL_FIX_ACTION,
  SNOOZE_CALLBACK,
} from './actions.js';
import { errorAnswer } from './blocks/metadata.js';
import { snoozeModal, snoozeSubmission } from './blocks/snooze.js';
import { helpText } from './commands/help.js';
import { isCommandError, parseCommand } from './commands/parse.js';
import type { ActionArgs, CommandArgs, ListenerDeps, ViewArgs } from './listener-types.js';
import { onDecisionSubmit, onRequestAction } from './listeners-change.js';
import { onGuardrailFix } from './listeners-guardrails.js';
import { code, decodeSlack, md, notification, trusted } from './text.js';

const working = (command: { command: string; text: string }) => ({
  response_type: 'ephemeral' as const,
  text: notification(
    md`:hourglass_flowing_sand: Working on ${code(`${command.command} ${decodeSlack(command.text.trim())}`)}…`,
  ),
});

/** A reply in the ack itself, from mrkdwn the parsers built (their user tokens escaped). */
const answer = (mrkdwn: string) => ({
  response_type: 'ephemeral' as const,
  text: notification(trusted(mrkdwn)),
});

/**
 * `/imds`: answered within Slack's 3 seconds. Help and bad input are answered in the ack itself;
 * everything else is acknowledged with "working…" and carried out from the queue.
 */
export async function onImdsCommand(deps: ListenerDeps, { command, ack }: CommandArgs): Promise<void> {
  const user = { id: command.user_id, name: command.user_name };
  const where = { channelId: command.channel_id, responseUrl: command.response_url };
  const parsed = parseCommand(command.text, { maxSnoozeDays: deps.workflow.approvals.maxSnoozeDays });
  if (isCommandError(parsed)) return ack(answer(parsed.message));
  if (parsed.name === 'help') {
    return ack(answer(helpText(parsed.args.topic, command.command)));
  }
  await ack(working(command));
  await deps.tasks.add({ kind: 'command', command: parsed, text: command.text.trim(), user, ...where });
}

/** A digest card button: ack at once; Snooze opens its modal (trigger ids die after 3 s), the rest queue. */
export async function onCardAction(
  deps: ListenerDeps,
  { body, action, ack, client }: ActionArgs,
): Promise<void> {
  await ack();
  const kind = digestActionOf(action.action_id);
  if (!kind) return;
  const ref = CardButtonValue.parse(action.value);
  const where = {
    channelId: body.channel?.id ?? null,
    messageTs: body.message?.ts ?? null,
    responseUrl: body.response_url ?? null,
  };
  if (kind === 'snooze') {
    await client.views.open({
      trigger_id: body.trigger_id,
      view: snoozeModal(ref, deps.workflow.approvals, where) as never,
    });
    return;
  }
  await deps.tasks.add({
    kind: 'card-action',
    action: kind,
    ref,
    user: { id: body.user.id, name: body.user.name ?? body.user.id },
    ...where,
  });
}

/** The snooze modal: a reason is required; errors are shown in the modal itself. */
export async function onSnoozeSubmit(deps: ListenerDeps, { ack, view, body }: ViewArgs): Promise<void> {
  const parsed = snoozeSubmission(view, deps.workflow.approvals);
  if (!parsed.ok) return ack(errorAnswer(view.blocks, parsed.errors));
  await ack();
  await deps.tasks.add({ kind: 'snooze', ...parsed.value, user: { id: body.user.id, name: body.user.name } });
}

/** Matches everything the given patterns do not: what no other listener answers. */
export const noneOf = (patterns: readonly RegExp[]): RegExp =>
  new RegExp(`^(?!(?:${patterns.map((p) => p.source.replace(/^\^|\$$/g, '')).join('|')})$)`);

const VIEWS = [new RegExp(`^${SNOOZE_CALLBACK}$`), new RegExp(`^${DECISION_CALLBACK}$`)];

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.command('/imds', (args) => onImdsCommand(deps, args));
  app.action<BlockAction<ButtonAction>>(DIGEST_ACTION, (args) => onCardAction(deps, args));
  app.action<BlockAction<ButtonAction>>(CR_ACTION, (args) => onRequestAction(deps, args));
  app.action<BlockAction<ButtonAction>>(GUARDRAIL_FIX_ACTION, (args) => onGuardrailFix(deps, args));
  // "View in console" is a link button, yet Slack still sends its block_actions and shows an error
  // unless it is acknowledged; so is every action of an older card the bot no longer handles
  app.action(noneOf([DIGEST_ACTION, CR_ACTION, GUARDRAIL_FIX_ACTION]), async ({ ack }) => ack());
  app.view<ViewSubmitAction>(SNOOZE_CALLBACK, (args) => onSnoozeSubmit(deps, args));
  app.view<ViewSubmitAction>(DECISION_CALLBACK, (args) => onDecisionSubmit(deps, args));
  app.view<ViewSubmitAction>(noneOf(VIEWS), async ({ ack, view }) =>
    ack(errorAnswer(view.blocks, { form: 'This form is not from imds-bot; open it again from the card.' })),
  );
  // someone removed from the security or approvers group loses the role at once, not in 10 minutes
  app.event('subteam_updated', async ({ event }) => {
    if (event.subteam.id) await deps.forgetGroup(event.subteam.id);
  });
  app.event('subteam_members_changed', async ({ event }) => deps.forgetGroup(event.subteam_id));
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab === 'home') await deps.tasks.add({ kind: 'home', userId: event.user });
  });
  app.error(async (err) => {
    deps.log.error({ err: errorMessage(err) }, 'slack listener failed');
  });
}
