import { z } from 'zod';
import type { Runtime } from './api.js';
import { deliver } from './deliver.js';
import { dmIdFor } from './ids.js';
import {
  blockActionsPayload,
  eventCallbackPayload,
  slashCommandPayload,
  viewSubmissionPayload,
} from './payloads.js';
import type { Sandbox } from './sandbox.js';
import { topModal } from './sandbox-state.js';
import type { StoredView } from './types.js';
import { viewJson } from './views.js';

/**
 * What the page's user does, turned into what Slack would send the bot: slash commands,
 * block_actions, view_submission, view_closed, app_home_opened. Each answer is { ok, text }.
 */
export type ActAnswer = { ok: boolean; text: string };

const done: ActAnswer = { ok: true, text: '' };
const refused = (text: string): ActAnswer => ({ ok: false, text });

export const CommandInput = z.object({ user: z.string(), channel: z.string(), text: z.string().max(4000) });
export const ActionInput = z.object({
  user: z.string(),
  block_id: z.string(),
  action: z.record(z.string(), z.unknown()),
  channel: z.string().optional(),
  ts: z.string().optional(),
  view_id: z.string().optional(),
  home: z.boolean().optional(),
});
export const SubmitInput = z.object({
  user: z.string(),
  view_id: z.string(),
  values: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))),
});
export const UserInput = z.object({ user: z.string(), view_id: z.string().optional() });

function team(rt: Runtime) {
  return { id: rt.settings.teamId, domain: 'sandbox' };
}

function person(rt: Runtime, id: string) {
  const u = rt.state.directory.user(id);
  return u && !u.deleted ? { id: u.id, username: u.name, name: u.name, team_id: rt.settings.teamId } : null;
}

/** A trigger_id minted for `user`: views.open with it opens the modal on that user's screen. */
const trigger = (rt: Runtime, user: string) => rt.state.interactions.newTriggerId(user);

/** Slack shows a slash command's non-empty acknowledgement as an ephemeral message. */
export async function command(
  rt: Runtime,
  sb: Sandbox,
  input: z.infer<typeof CommandInput>,
): Promise<ActAnswer> {
  const user = person(rt, input.user);
  if (!user) return refused('unknown user');
  const channel = rt.state.directory.channel(input.channel);
  const payload = slashCommandPayload({
    command: sb.command.name,
    text: input.text,
    user_id: user.id,
    user_name: user.name,
    channel_id: input.channel,
    channel_name: channel?.user ? 'directmessage' : (channel?.name ?? 'unknown'),
    team_id: rt.settings.teamId,
    team_domain: 'sandbox',
    api_app_id: rt.settings.appId,
    response_url: rt.state.newResponseUrl({ channel: input.channel, user: user.id }),
    trigger_id: trigger(rt, user.id),
  });
  const r = await deliver(rt, sb.target, 'slash_commands', payload);
  if (!r.ok) return refused(r.error);
  const text = typeof r.ack?.text === 'string' ? r.ack.text : '';
  const blocks = Array.isArray(r.ack?.blocks) ? r.ack.blocks : undefined;
  if (text || blocks) {
    rt.state.messages.postEphemeral({
      channel: input.channel,
      user: user.id,
      text,
      blocks,
      thread_ts: undefined,
      source: 'response_url',
    });
    sb.changed();
  }
  return done;
}

const viewOf = (rt: Runtime, v: StoredView) =>
  viewJson(v, rt.settings.teamId, rt.state.appId, rt.state.botId);

function actionOf(element: Record<string, unknown>, blockId: string) {
  const text = (element.text as { text?: unknown } | undefined)?.text;
  return {
    action_id: typeof element.action_id === 'string' ? element.action_id : '',
    block_id: blockId,
    type: typeof element.type === 'string' ? element.type : 'button',
    ...(typeof element.value === 'string' ? { value: element.value } : {}),
    ...(typeof text === 'string' ? { text } : {}),
  };
}

/** Where a click happened: a message (the user's own conversations), the Home tab, or their modal. */
function whereOf(rt: Runtime, sb: Sandbox, input: z.infer<typeof ActionInput>) {
  if (input.channel && input.ts) {
    const channel = rt.state.directory.channel(input.channel);
    if (!channel) return null;
    if (channel.user && channel.user !== input.user) return null; // someone else's DM
    const m = rt.state.message(input.channel, input.ts);
    const e = m
      ? undefined
      : rt.state.ephemerals({ user: input.user }).find((x) => x.message_ts === input.ts);
    if (!m && !e) return null;
    return {
      channel: { id: channel.id, name: channel.user ? 'directmessage' : channel.name },
      message: {
        ts: input.ts,
        text: m?.text ?? e?.text ?? '',
        blocks: m?.blocks ?? e?.blocks ?? [],
        user: rt.state.botUserId,
      },
      ...(e
        ? { container: { type: 'message', message_ts: input.ts, channel_id: channel.id, is_ephemeral: true } }
        : {}),
      response_url: rt.state.newResponseUrl({
        channel: channel.id,
        user: input.user,
        ...(m ? { messageTs: input.ts } : {}),
      }),
    };
  }
  const view = input.view_id ? topModal(rt, sb, input.user) : rt.state.homeView(input.user);
  if (!view || (input.view_id && view.id !== input.view_id)) return null;
  return { view: viewOf(rt, view), container: { type: 'view', view_id: view.id } };
}

export async function action(
  rt: Runtime,
  sb: Sandbox,
  input: z.infer<typeof ActionInput>,
): Promise<ActAnswer> {
  const user = person(rt, input.user);
  if (!user) return refused('unknown user');
  const where = whereOf(rt, sb, input);
  if (!where) return refused('that is not yours to click');
  const payload = blockActionsPayload({
    user,
    team: team(rt),
    api_app_id: rt.settings.appId,
    trigger_id: trigger(rt, user.id),
    actions: [actionOf(input.action, input.block_id)],
    ...where,
  });
  const selected = input.action.selected_option;
  if (selected !== undefined) {
    const [first] = payload.actions as Record<string, unknown>[];
    if (first) first.selected_option = selected;
  }
  const r = await deliver(rt, sb.target, 'interactive', payload);
  return r.ok ? done : refused(r.error);
}

/** view_submission; the acknowledgement's response_action decides what the modal does next. */
export async function submit(
  rt: Runtime,
  sb: Sandbox,
  input: z.infer<typeof SubmitInput>,
): Promise<ActAnswer> {
  const user = person(rt, input.user);
  const view = topModal(rt, sb, input.user);
  if (!user || !view || view.id !== input.view_id) return refused('that modal is not open');
  const title = (view.raw.title as { text?: unknown } | undefined)?.text;
  const payload = viewSubmissionPayload({
    user,
    team: team(rt),
    api_app_id: rt.settings.appId,
    trigger_id: trigger(rt, user.id),
    view: {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      blocks: view.blocks,
      hash: view.hash,
      state: { values: input.values },
      ...(typeof title === 'string' ? { title } : {}),
    },
  });
  const r = await deliver(rt, sb.target, 'interactive', payload);
  if (!r.ok) return refused(r.error);
  applyResponseAction(rt, sb, view, user.id, r.ack ?? {});
  sb.changed();
  return done;
}

function applyResponseAction(
  rt: Runtime,
  sb: Sandbox,
  view: StoredView,
  user: string,
  ack: Record<string, unknown>,
): void {
  const next = ack.view && typeof ack.view === 'object' ? (ack.view as Record<string, unknown>) : null;
  switch (ack.response_action) {
    case 'errors':
      sb.errors.set(
        view.id,
        Object.fromEntries(
          Object.entries((ack.errors ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
        ),
      );
      return;
    case 'update':
      if (next) rt.state.views.replace(view, next);
      sb.errors.delete(view.id);
      return;
    case 'push':
      if (next) rt.state.views.create(next, user);
      return;
    case 'clear':
      for (const v of rt.state.views.all()) if (v.user_id === user) sb.closed.add(v.id);
      return;
    default:
      sb.closed.add(view.id);
  }
}

/** The user closed the modal: view_closed to the bot when it asked (notify_on_close). */
export async function close(rt: Runtime, sb: Sandbox, input: z.infer<typeof UserInput>): Promise<ActAnswer> {
  const view = topModal(rt, sb, input.user);
  const user = person(rt, input.user);
  if (!view || !user || view.id !== input.view_id) return done;
  sb.closed.add(view.id);
  sb.changed();
  if (view.raw.notify_on_close !== true) return done;
  const payload = {
    type: 'view_closed',
    team: team(rt),
    user,
    api_app_id: rt.settings.appId,
    view: viewOf(rt, view),
    is_cleared: false,
  };
  const r = await deliver(rt, sb.target, 'interactive', payload);
  return r.ok ? done : refused(r.error);
}

/** Opening the Home tab: app_home_opened, as Slack sends it. */
export async function homeOpened(
  rt: Runtime,
  sb: Sandbox,
  input: z.infer<typeof UserInput>,
): Promise<ActAnswer> {
  if (!person(rt, input.user)) return refused('unknown user');
  const event = { type: 'app_home_opened', user: input.user, channel: dmIdFor(input.user), tab: 'home' };
  const payload = eventCallbackPayload(event, { team_id: rt.settings.teamId, api_app_id: rt.settings.appId });
  const r = await deliver(rt, sb.target, 'events_api', payload);
  return r.ok ? done : refused(r.error);
}
