import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { CodedError, errorMessage } from '../../domain/errors.js';
import type { Logger } from '../log.js';
import { call } from './web.js';

/**
 * Message metadata the bot puts on a post it must not repeat (Slack stores it with the message and
 * returns it from conversations.history with include_all_metadata): `event_payload.id` names it.
 */
export const PostMetadata = z.object({
  event_type: z.string().min(1),
  event_payload: z.object({ id: z.string().min(1) }).catchall(z.string()),
});
export type PostMetadata = z.infer<typeof PostMetadata>;

const Seen = z.object({
  ts: z.string(),
  metadata: z.object({ event_type: z.string(), event_payload: z.record(z.string(), z.unknown()) }).nullish(),
});

const PAGES = 5;

/** History needs the conversation id: a U…/W… id means the bot's DM with that user. */
async function conversationOf(client: WebClient, channel: string): Promise<string> {
  if (!/^[UW]/.test(channel)) return channel;
  const res = await call('conversations.open', () => client.conversations.open({ users: channel }));
  return res.channel?.id ?? channel;
}

async function search(client: WebClient, channel: string, metadata: PostMetadata, sinceMs: number) {
  const id = await conversationOf(client, channel);
  let cursor: string | undefined;
  for (let page = 0; page < PAGES; page++) {
    const res = await call('conversations.history', () =>
      client.conversations.history({
        channel: id,
        include_all_metadata: true,
        // a minute of slack for clocks; only what was posted since the job was queued can be it
        oldest: String(Math.floor(sinceMs / 1000) - 60),
        limit: 200,
        ...(cursor ? { cursor } : {}),
      }),
    );
    for (const raw of res.messages ?? []) {
      const m = Seen.safeParse(raw);
      if (!m.success || m.data.metadata?.event_type !== metadata.event_type) continue;
      if (m.data.metadata.event_payload.id === metadata.event_payload.id)
        return { channel: id, ts: m.data.ts };
    }
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!res.has_more || !cursor) return null;
  }
  return null;
}

/**
 * After an ambiguous failure (5xx, timeout: Slack may have posted), finds the message already
 * posted with this metadata since `sinceMs`. Transient failures are thrown (the job retries);
 * when history cannot be read at all (a scope missing), says so and answers null: post again.
 */
export async function findPosted(
  deps: { client: WebClient; log: Logger },
  channel: string,
  metadata: PostMetadata,
  sinceMs: number,
): Promise<{ channel: string; ts: string } | null> {
  try {
    return await search(deps.client, channel, metadata, sinceMs);
  } catch (err) {
    if (err instanceof CodedError && err.transient) throw err;
    deps.log.warn(
      { channel, err: errorMessage(err) },
      'cannot read the channel history to look for an earlier post: posting again',
    );
    return null;
  }
}
