import type { Args, StoredMessage } from '../types.js';
import { type Body, bool, fail, int, type MethodContext, ok, str } from './args.js';
import { messageJson } from './chat.js';

/** A ts ('1733100000.000100', or whole seconds) in microseconds, for exact comparisons. */
function micros(ts: string): bigint | null {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(ts);
  if (!m) return null;
  return BigInt(m[1] ?? '0') * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0'));
}

/** Slack's cursors are base64 of 'next_ts:<ts>'. */
const cursorFor = (ts: string): string => Buffer.from(`next_ts:${ts}`).toString('base64');
const tsOfCursor = (cursor: string): string | null => {
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  return decoded.startsWith('next_ts:') ? decoded.slice('next_ts:'.length) : null;
};

function inRange(m: StoredMessage, args: Args): boolean {
  const at = micros(m.ts) ?? 0n;
  const inclusive = bool(args, 'inclusive');
  const oldest = micros(str(args, 'oldest') ?? '0') ?? 0n;
  const latest = str(args, 'latest');
  const latestAt = latest ? micros(latest) : null;
  if (inclusive ? at < oldest : at <= oldest) return false;
  if (latestAt !== null && (inclusive ? at > latestAt : at >= latestAt)) return false;
  return true;
}

/**
 * conversations.history as Slack answers it: a conversation id (C…, G…, D…; not a user id), the
 * conversation's top-level messages newest first, `oldest` / `latest` exclusive unless `inclusive`,
 * `limit` (default 100, at most 999) with cursor pagination, and each message's `metadata` only
 * with `include_all_metadata`.
 */
export function conversationsHistory(ctx: MethodContext, args: Args): Body {
  const id = str(args, 'channel');
  if (!id) return fail('channel_not_found');
  const channel = ctx.state.directory.channel(id);
  if (!channel) return fail('channel_not_found');
  const limit = Math.min(999, Math.max(1, int(args, 'limit') ?? 100));
  const cursor = str(args, 'cursor');
  const before = cursor ? tsOfCursor(cursor) : null;
  if (cursor && before === null) return fail('invalid_cursor');
  const beforeAt = before ? micros(before) : null;
  const all = ctx.state.messages
    .in(channel.id)
    .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
    .filter((m) => inRange(m, args))
    .reverse()
    .filter((m) => beforeAt === null || (micros(m.ts) ?? 0n) <= beforeAt);
  const page = all.slice(0, limit);
  const next = all[limit];
  const withMetadata = bool(args, 'include_all_metadata');
  return ok({
    messages: page.map((m) => {
      const json = messageJson(m, ctx.state);
      return withMetadata && m.metadata ? { ...json, metadata: m.metadata } : json;
    }),
    has_more: next !== undefined,
    pin_count: 0,
    response_metadata: { next_cursor: next ? cursorFor(next.ts) : '' },
  });
}
