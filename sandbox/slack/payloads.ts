/**
 * Payloads shaped as Slack sends them to an app: slash commands (form fields), block_actions and
 * view_submission (the JSON inside `payload=`), events_api callbacks. The same objects go into Socket
 * Mode envelopes (`fake.socket.push('slash_commands', slashCommandPayload(...))`).
 */

export const FAKE_TEAM = { id: 'T0FAKE0001', domain: 'fake-workspace' } as const;
export const FAKE_APP_ID = 'A0FAKE0001';
export const FAKE_VERIFICATION_TOKEN = 'fake-verification-token';

/** Slack never repeats a trigger_id, an action_ts or an event_id; neither do these defaults. */
let lastMicros = 0;
const actionTs = (): string => {
  lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
  return (lastMicros / 1e6).toFixed(6);
};
let serial = 0;
const freshTriggerId = (): string => `${++serial}.${Date.now()}.fake-trigger`;
const freshEventId = (): string =>
  `Ev${Date.now().toString(36).toUpperCase()}${(++serial).toString(36).toUpperCase()}`;

export interface SlashCommandInput {
  command?: string;
  text?: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  response_url?: string;
  trigger_id?: string;
  api_app_id?: string;
}

/** The fields of a slash command, in Slack's order; all strings, as in the form body. */
export function slashCommandPayload(input: SlashCommandInput): Record<string, string> {
  return {
    token: FAKE_VERIFICATION_TOKEN,
    team_id: input.team_id ?? FAKE_TEAM.id,
    team_domain: input.team_domain ?? FAKE_TEAM.domain,
    channel_id: input.channel_id,
    channel_name: input.channel_name ?? (input.channel_id.startsWith('D') ? 'directmessage' : 'general'),
    user_id: input.user_id,
    user_name: input.user_name ?? input.user_id.toLowerCase(),
    command: input.command ?? '/imds',
    text: input.text ?? '',
    api_app_id: input.api_app_id ?? FAKE_APP_ID,
    is_enterprise_install: 'false',
    response_url: input.response_url ?? 'https://hooks.slack.com/commands/T0FAKE0001/1/fake',
    trigger_id: input.trigger_id ?? freshTriggerId(),
  };
}

export interface PayloadUser {
  id: string;
  username?: string;
  name?: string;
  team_id?: string;
}

export interface ActionInput {
  action_id: string;
  block_id?: string;
  value?: string;
  type?: string;
  text?: string;
  action_ts?: string;
}

export interface BlockActionsInput {
  user: PayloadUser;
  actions: ActionInput[];
  team?: { id: string; domain: string };
  /** where the clicked message is; absent for actions in a modal or the Home tab */
  channel?: { id: string; name?: string };
  message?: { ts: string; text?: string; blocks?: unknown[] } & Record<string, unknown>;
  container?: Record<string, unknown>;
  view?: Record<string, unknown>;
  state?: { values: Record<string, unknown> };
  response_url?: string;
  trigger_id?: string;
  api_app_id?: string;
}

function userOf(user: PayloadUser, teamId: string): Required<PayloadUser> {
  const username = user.username ?? user.name ?? user.id.toLowerCase();
  return { id: user.id, username, name: user.name ?? username, team_id: user.team_id ?? teamId };
}

function containerOf(input: BlockActionsInput): Record<string, unknown> {
  if (input.container) return input.container;
  if (input.message && input.channel) {
    return {
      type: 'message',
      message_ts: input.message.ts,
      channel_id: input.channel.id,
      is_ephemeral: false,
    };
  }
  if (input.view) return { type: 'view', view_id: input.view.id };
  return { type: 'message' };
}

function actionOf(action: ActionInput): Record<string, unknown> {
  return {
    action_id: action.action_id,
    block_id: action.block_id ?? 'actions',
    text: { type: 'plain_text', text: action.text ?? action.action_id, emoji: true },
    ...(action.value === undefined ? {} : { value: action.value }),
    type: action.type ?? 'button',
    action_ts: action.action_ts ?? actionTs(),
  };
}

/** A block_actions payload (a button click) with Slack's fields. */
export function blockActionsPayload(input: BlockActionsInput): Record<string, unknown> {
  const team = input.team ?? FAKE_TEAM;
  return {
    type: 'block_actions',
    user: userOf(input.user, team.id),
    api_app_id: input.api_app_id ?? FAKE_APP_ID,
    token: FAKE_VERIFICATION_TOKEN,
    container: containerOf(input),
    trigger_id: input.trigger_id ?? freshTriggerId(),
    team: { id: team.id, domain: team.domain },
    enterprise: null,
    is_enterprise_install: false,
    ...(input.channel ? { channel: { id: input.channel.id, name: input.channel.name ?? 'general' } } : {}),
    ...(input.message ? { message: { type: 'message', text: '', ...input.message } } : {}),
    ...(input.view ? { view: input.view } : {}),
    state: input.state ?? { values: {} },
    ...(input.response_url ? { response_url: input.response_url } : {}),
    actions: input.actions.map(actionOf),
  };
}

export interface ViewSubmissionInput {
  user: PayloadUser;
  view: {
    id?: string;
    callback_id: string;
    private_metadata?: string;
    state?: { values: Record<string, unknown> };
    blocks?: unknown[];
    title?: string;
    hash?: string;
  };
  team?: { id: string; domain: string };
  trigger_id?: string;
  api_app_id?: string;
  response_urls?: unknown[];
}

/** A view_submission payload (a modal's Submit) with Slack's fields. */
export function viewSubmissionPayload(input: ViewSubmissionInput): Record<string, unknown> {
  const team = input.team ?? FAKE_TEAM;
  const appId = input.api_app_id ?? FAKE_APP_ID;
  const id = input.view.id ?? 'V0FAKEVIEW1';
  const title = { type: 'plain_text', text: input.view.title ?? 'imds-bot', emoji: true };
  return {
    type: 'view_submission',
    team: { id: team.id, domain: team.domain },
    user: userOf(input.user, team.id),
    api_app_id: appId,
    token: FAKE_VERIFICATION_TOKEN,
    trigger_id: input.trigger_id ?? freshTriggerId(),
    view: {
      id,
      team_id: team.id,
      type: 'modal',
      blocks: input.view.blocks ?? [],
      private_metadata: input.view.private_metadata ?? '',
      callback_id: input.view.callback_id,
      state: input.view.state ?? { values: {} },
      hash: input.view.hash ?? '1700000000.fakehash',
      title,
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: id,
      app_id: appId,
      external_id: '',
      app_installed_team_id: team.id,
      bot_id: 'B0FAKEBOT1',
    },
    response_urls: input.response_urls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** An events_api callback around `event` (e.g. { type: 'app_home_opened', user, tab: 'home' }). */
export function eventCallbackPayload(
  event: Record<string, unknown> & { type: string },
  opts: { team_id?: string; api_app_id?: string; event_id?: string } = {},
): Record<string, unknown> {
  const teamId = opts.team_id ?? FAKE_TEAM.id;
  return {
    token: FAKE_VERIFICATION_TOKEN,
    team_id: teamId,
    api_app_id: opts.api_app_id ?? FAKE_APP_ID,
    event: { event_ts: actionTs(), ...event },
    type: 'event_callback',
    event_id: opts.event_id ?? freshEventId(),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: 'U0FAKEBOT1',
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}
