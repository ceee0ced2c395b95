import type { Args } from '../types.js';
import { type Body, fail, type MethodContext, ok, str } from './args.js';

export function authTest(ctx: MethodContext): Body {
  const { state } = ctx;
  return ok({
    url: `https://${state.team.domain}.slack.com/`,
    team: state.team.name,
    user: 'imds-bot',
    team_id: state.team.id,
    user_id: state.botUserId,
    bot_id: state.botId,
    is_enterprise_install: false,
  });
}

/** conversations.open: one user → their DM (stable D… id); or an existing `channel`. */
export function conversationsOpen(ctx: MethodContext, args: Args): Body {
  const channelId = str(args, 'channel');
  if (channelId) {
    const channel = ctx.state.directory.channel(channelId);
    return channel ? ok({ channel: { id: channel.id } }) : fail('channel_not_found');
  }
  const users = (str(args, 'users') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (users.length === 0) return fail('users_list_not_supplied');
  // multi-person DMs are not modelled: the bot only opens one-to-one DMs
  if (users.length > 1) return fail('not_implemented');
  const [userId = ''] = users;
  const lookup = ctx.state.directory.openDm(userId);
  if (!lookup.ok) return fail(lookup.error === 'channel_not_found' ? 'user_not_found' : lookup.error);
  return ok({ channel: { id: lookup.channel.id } });
}

/** apps.connections.open (app-level token): a WebSocket URL with a single-use ticket. */
export function connectionsOpen(ctx: MethodContext): Body {
  return ok({ url: ctx.socketUrl() });
}
