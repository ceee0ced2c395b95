import type { Args } from '../types.js';
import { type Body, fail, int, type MethodContext, ok, str } from './args.js';

const MAX_PAGE = 1000;

/** Slack's cursors are base64 of 'user:<next id>'. */
const cursorFor = (userId: string): string => Buffer.from(`user:${userId}`).toString('base64');

function startOf(ctx: MethodContext, cursor: string | undefined): number | null {
  if (!cursor) return 0;
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  if (!decoded.startsWith('user:')) return null;
  const index = ctx.state.directory.userIndex(decoded.slice('user:'.length));
  return index < 0 ? null : index;
}

export function lookupByEmail(ctx: MethodContext, args: Args): Body {
  const email = str(args, 'email');
  if (!email) return fail('invalid_arguments', ['[ERROR] missing required field: email']);
  const user = ctx.state.directory.userByEmail(email);
  return user ? ok({ user }) : fail('users_not_found');
}

export function info(ctx: MethodContext, args: Args): Body {
  const id = str(args, 'user');
  const user = id ? ctx.state.directory.user(id) : undefined;
  return user ? ok({ user }) : fail('user_not_found');
}

/** users.list with cursor pagination: `limit` (default and max 1000), response_metadata.next_cursor. */
export function list(ctx: MethodContext, args: Args): Body {
  const start = startOf(ctx, str(args, 'cursor'));
  if (start === null) return fail('invalid_cursor');
  const requested = int(args, 'limit') ?? 0;
  const limit = requested > 0 ? Math.min(requested, MAX_PAGE) : MAX_PAGE;
  const directory = ctx.state.directory;
  const members = directory.userPage(start, limit);
  const next = directory.userPage(start + limit, 1)[0];
  return ok({
    members,
    cache_ts: Math.floor(ctx.now() / 1000),
    response_metadata: { next_cursor: next ? cursorFor(next.id) : '' },
  });
}

export function usergroupUsers(ctx: MethodContext, args: Args): Body {
  const id = str(args, 'usergroup');
  const users = id ? ctx.state.directory.usergroup(id) : undefined;
  return users ? ok({ users: [...users] }) : fail('no_such_subteam');
}
