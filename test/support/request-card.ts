import { C, U } from './slack-fixtures.js';
import { responses, type SlackHarness, until } from './slack-harness.js';

/** The approvers' card of a request as it is now (its latest chat.update applied). */
export const requestCardOf = (h: SlackHarness, id: string) =>
  h.slack.messagesIn(C.security).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id));

/**
 * `user` clicks the button `actionId` (its value `value`, the request id unless said) on the
 * request's card once it is there: the card as it was clicked, and the response_url the click
 * carried (where the bot answers).
 */
export async function clickButton(h: SlackHarness, id: string, actionId: string, user: string, value = id) {
  const card = await until(() => requestCardOf(h, id), `card of ${id}`);
  const url = h.slack.state.newResponseUrl({ channel: C.security, user });
  await h.click({
    user: { id: user },
    actions: [{ action_id: actionId, value }],
    channel: { id: C.security },
    message: { ts: card.ts },
    response_url: url,
  });
  return { card, url };
}

/** `user` clicks Approve on the request's card once it is there (see clickButton). */
export const clickApprove = (h: SlackHarness, id: string, user: string = U.approver) =>
  clickButton(h, id, 'imds_cr_approve', user);

/** `/imds <text>` from `user` in #general, and the bot's first answer on its response_url. */
export async function commandReply(h: SlackHarness, text: string, user: string): Promise<string> {
  const r = await h.command(text, user, C.general);
  return JSON.stringify(await until(() => responses(h, r.responseUrl)[0], `response to ${text}`));
}
