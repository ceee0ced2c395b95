import type { SlackState } from '../state.js';
import type { Args, MessageMetadata, StoredMessage } from '../types.js';
import { type Body, fail, type MethodContext, ok, str } from './args.js';
import { checkContent } from './content.js';

/** The message object Slack echoes back from chat.postMessage / chat.update. */
export function messageJson(message: StoredMessage, state: SlackState): Body {
  return {
    type: 'message',
    subtype: 'bot_message',
    text: message.text,
    user: message.user,
    bot_id: state.botId,
    app_id: state.appId,
    team: state.team.id,
    ts: message.ts,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
    ...(message.edited ? { edited: { user: message.user, ts: message.edited.ts } } : {}),
    ...(message.files.length > 0 ? { files: message.files.map((id) => ({ id })) } : {}),
  };
}

/** chat.postMessage `metadata`: { event_type, event_payload } (JSON in a form body). */
function metadataOf(value: unknown): MessageMetadata | undefined | 'invalid' {
  if (value === undefined || value === '') return undefined;
  if (!value || typeof value !== 'object') return 'invalid';
  const { event_type, event_payload } = value as Record<string, unknown>;
  if (typeof event_type !== 'string' || !event_type) return 'invalid';
  if (!event_payload || typeof event_payload !== 'object' || Array.isArray(event_payload)) return 'invalid';
  return { event_type, event_payload: event_payload as Record<string, unknown> };
}

export function postMessage(ctx: MethodContext, args: Args): Body {
  const target = str(args, 'channel');
  if (!target) return fail('channel_not_found');
  const lookup = ctx.state.directory.resolve(target);
  if (!lookup.ok) return fail(lookup.error);
  const content = checkContent(args, ctx.settings);
  if ('error' in content) return content;
  const { text, blocks } = content;
  const metadata = metadataOf(args.metadata);
  if (metadata === 'invalid') return fail('invalid_metadata_format');
  const message = ctx.state.messages.post({
    channel: lookup.channel.id,
    text: text ?? '',
    blocks,
    thread_ts: str(args, 'thread_ts'),
    user: ctx.state.botUserId,
    source: 'api',
    metadata,
  });
  return ok({ channel: lookup.channel.id, ts: message.ts, message: messageJson(message, ctx.state) });
}

export function update(ctx: MethodContext, args: Args): Body {
  const target = str(args, 'channel');
  const ts = str(args, 'ts');
  if (!target) return fail('channel_not_found');
  if (!ts) return fail('message_not_found');
  const lookup = ctx.state.directory.resolve(target);
  if (!lookup.ok) return fail('channel_not_found');
  if (!ctx.state.messages.get(lookup.channel.id, ts)) return fail('message_not_found');
  const content = checkContent(args, ctx.settings);
  if ('error' in content) return content;
  const { text, blocks } = content;
  const message = ctx.state.messages.update(lookup.channel.id, ts, { text, blocks });
  if (!message) return fail('message_not_found');
  return ok({ channel: lookup.channel.id, ts, text: message.text, message: messageJson(message, ctx.state) });
}

export function postEphemeral(ctx: MethodContext, args: Args): Body {
  const target = str(args, 'channel');
  const userId = str(args, 'user');
  if (!target) return fail('channel_not_found');
  const lookup = ctx.state.directory.resolve(target);
  if (!lookup.ok) return fail('channel_not_found');
  const user = userId ? ctx.state.directory.user(userId) : undefined;
  if (!user || user.deleted) return fail('user_not_found');
  const content = checkContent(args, ctx.settings);
  if ('error' in content) return content;
  const { text, blocks } = content;
  const ephemeral = ctx.state.messages.postEphemeral({
    channel: lookup.channel.id,
    user: user.id,
    text: text ?? '',
    blocks,
    thread_ts: str(args, 'thread_ts'),
    source: 'api',
  });
  return ok({ message_ts: ephemeral.message_ts });
}
