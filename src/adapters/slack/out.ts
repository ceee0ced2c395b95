import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { z } from 'zod';
import { CodedError } from '../../domain/errors.js';
import type { Logger } from '../log.js';
import type { QueueDeps } from '../queue/scan-queues.js';
import { makeWorker } from '../queue/worker.js';
import type { CardStore } from '../redis/cards.js';
import { redisKeys } from '../redis/keys.js';
import type { SlackDeliveryStore } from '../redis/slack-delivery.js';
import type { SlackStateStore } from '../redis/slack-state.js';
import { findPosted, PostMetadata } from './posted.js';
import { md, mention, notification, trusted } from './text.js';
import { call, respond, SlackRateLimited } from './web.js';

export const SLACK_OUT_QUEUE = 'slack-out';

/** Block Kit blocks as our builders type them; read back from the queue, each is at least an object with a type. */
const Blocks = z.array(
  z.custom<KnownBlock>(
    (b) => typeof b === 'object' && b !== null && typeof (b as { type?: unknown }).type === 'string',
  ),
);

/** A message to deliver; where it lands is recorded under `cardKey` so it can be updated in place. */
export const SlackOut = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('post'),
    channel: z.string(),
    text: z.string(),
    blocks: Blocks.optional(),
    threadTs: z.string().optional(),
    /** remember where the message landed, to update it in place later */
    card: z
      .object({
        key: z.string(),
        kind: z.string(),
        ownerKey: z.string().optional(),
        instanceKeys: z.array(z.string()).default([]),
      })
      .optional(),
    /** remembered after delivery, so an unchanged digest is not posted again */
    fingerprint: z.object({ ownerKey: z.string(), value: z.string() }).optional(),
    /** where to say so when the channel refuses (user gone, bot not invited) */
    fallbackChannel: z.string().optional(),
    /** names the post: a retry after an ambiguous failure looks for it before posting again */
    metadata: PostMetadata.optional(),
  }),
  z.object({
    kind: z.literal('update'),
    channel: z.string(),
    ts: z.string(),
    text: z.string(),
    blocks: Blocks.optional(),
    /** the version of what the card shows: an older one never overwrites a newer one */
    version: z.number().int().optional(),
  }),
  z.object({
    kind: z.literal('respond'),
    responseUrl: z.string(),
    message: z.object({
      text: z.string(),
      blocks: Blocks.optional(),
      response_type: z.enum(['ephemeral', 'in_channel']).optional(),
      replace_original: z.boolean().optional(),
    }),
  }),
  z.object({ kind: z.literal('publish-home'), userId: z.string(), view: z.record(z.string(), z.unknown()) }),
  z.object({
    kind: z.literal('upload'),
    /** a channel, or a user id (U…/W…): then the user's DM with the bot */
    channelId: z.string(),
    filename: z.string(),
    title: z.string(),
    base64: z.string(),
    comment: z.string(),
  }),
]);
export type SlackOut = z.infer<typeof SlackOut>;

const JOB_OPTS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 86_400, count: 10_000 },
  removeOnFail: { age: 14 * 86_400 },
};

export function createSlackOutQueue({ connect, prefix, onError }: QueueDeps) {
  const queue = new Queue(SLACK_OUT_QUEUE, {
    prefix: redisKeys(prefix).bull,
    connection: connect('slack-out-queue'),
  }).on('error', onError);
  return {
    queue,
    add: (out: SlackOut) => queue.add(out.kind, out, JOB_OPTS),
    addBulk: (outs: SlackOut[]) =>
      queue.addBulk(outs.map((o) => ({ name: o.kind, data: o, opts: JOB_OPTS }))),
    close: () => queue.close(),
  };
}
export type SlackOutQueue = ReturnType<typeof createSlackOutQueue>;

export interface SlackOutDeps {
  client: WebClient;
  cards: CardStore;
  deliveries: SlackDeliveryStore;
  slackState: SlackStateStore;
  responseOrigins: readonly string[];
  log: Logger;
}

type Post = Extract<SlackOut, { kind: 'post' }>;

async function postMessage(client: WebClient, out: Post): Promise<{ channel: string; ts: string }> {
  const res = await call('chat.postMessage', () =>
    client.chat.postMessage({
      channel: out.channel,
      text: out.text,
      ...(out.blocks ? { blocks: out.blocks } : {}),
      ...(out.threadTs ? { thread_ts: out.threadTs } : {}),
      ...(out.metadata ? { metadata: out.metadata } : {}),
      unfurl_links: false,
    }),
  );
  return { channel: res.channel ?? out.channel, ts: res.ts ?? '' };
}

/** A post retried after an earlier attempt failed: Slack may have posted it then; look first. */
async function postOnce(deps: SlackOutDeps, out: Post, retry: Retry | undefined) {
  if (!retry || !out.metadata) return postMessage(deps.client, out);
  const found = await findPosted(deps, out.channel, out.metadata, retry.queuedAtMs);
  if (!found) return postMessage(deps.client, out);
  deps.log.info(
    { channel: found.channel, ts: found.ts },
    'already posted before an ambiguous failure: not again',
  );
  return found;
}

/** This delivery retries a failed attempt of a job queued at `queuedAtMs`. */
export interface Retry {
  queuedAtMs: number;
}

/** Delivers one message. Returns where it landed (channel and ts) when Slack says. */
export async function deliver(
  deps: SlackOutDeps,
  out: SlackOut,
  retry?: Retry,
): Promise<{ channel: string; ts: string } | null> {
  const { client } = deps;
  switch (out.kind) {
    case 'post': {
      const where = await postOnce(deps, out, retry);
      if (out.card) {
        const { key, ...card } = out.card;
        await deps.cards.save(key, { ...where, ...card });
      }
      if (out.fingerprint)
        await deps.slackState.saveFingerprint(out.fingerprint.ownerKey, out.fingerprint.value);
      return where;
    }
    case 'update':
      return updateInOrder(deps, out);
    case 'respond':
      await respond(out.responseUrl, out.message, deps.responseOrigins);
      return null;
    case 'publish-home':
      await call('views.publish', () =>
        client.views.publish({ user_id: out.userId, view: out.view as never }),
      );
      return null;
    case 'upload': {
      const channelId = await conversationOf(client, out.channelId);
      await call('files.uploadV2', () =>
        client.filesUploadV2({
          channel_id: channelId,
          filename: out.filename,
          title: out.title,
          file: Buffer.from(out.base64, 'base64'),
          initial_comment: out.comment,
        }),
      );
      return null;
    }
  }
}

/** files.uploadV2 shares to a conversation: a user id becomes their DM with the bot. */
async function conversationOf(client: WebClient, target: string): Promise<string> {
  if (!/^[UW]/.test(target)) return target;
  const res = await call('conversations.open', () => client.conversations.open({ users: target }));
  return res.channel?.id ?? target;
}

/** Another update of the same card is being delivered: try again in a moment. */
export class CardBusy extends Error {}

const CARD_LOCK_MS = 15_000;

/**
 * Updates of one card are delivered one at a time (a Redis lock per card) and never go back in
 * time: several workers may deliver a card's updates, in any order, and the card still ends
 * showing the newest version.
 */
async function updateInOrder(deps: SlackOutDeps, out: Extract<SlackOut, { kind: 'update' }>) {
  const where = { channel: out.channel, ts: out.ts };
  const post = () =>
    call('chat.update', () =>
      deps.client.chat.update({
        ...where,
        text: out.text,
        ...(out.blocks ? { blocks: out.blocks } : {}),
      }),
    );
  if (out.version === undefined) {
    await post();
    return where;
  }
  const d = deps.deliveries;
  if (!(await d.lockCard(out.channel, out.ts, CARD_LOCK_MS))) throw new CardBusy(`${out.channel}:${out.ts}`);
  try {
    const shown = await d.shownVersion(out.channel, out.ts);
    if (shown >= out.version) return where; // a newer state is already on the card
    await post();
    await d.saveShownVersion(out.channel, out.ts, out.version, 90 * 86_400);
    return where;
  } finally {
    await d.unlockCard(out.channel, out.ts);
  }
}

/**
 * Channels that refuse a post (user deactivated, bot not invited) are reported to the
 * fallback channel instead of failing silently; other permanent errors fail the job with the
 * method and Slack's error code.
 */
async function processOut(
  deps: SlackOutDeps,
  queue: Queue,
  job: Job,
  token: string | undefined,
): Promise<unknown> {
  const parsed = SlackOut.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`bad slack-out job: ${parsed.error.message}`);
  const out = parsed.data;
  try {
    return await deliver(deps, out, job.attemptsMade > 0 ? { queuedAtMs: job.timestamp } : undefined);
  } catch (err) {
    if (err instanceof CardBusy && token) {
      await job.moveToDelayed(Date.now() + 200, token);
      throw new DelayedError();
    }
    if (err instanceof SlackRateLimited) {
      // the whole queue waits Retry-After (never shortening a longer pause already running);
      // the job goes back to waiting, attempts untouched
      if ((await queue.getRateLimitTtl()) < err.retryAfterMs) await queue.rateLimit(err.retryAfterMs);
      throw Worker.RateLimitError();
    }
    if (err instanceof CodedError && !err.transient) {
      if (out.kind === 'post' && out.fallbackChannel && out.fallbackChannel !== out.channel) {
        await deliver(deps, {
          kind: 'post',
          channel: out.fallbackChannel,
          text: notification(
            md`Could not deliver a message to ${mention(out.channel)}: ${err.message}. It said:\n${trusted(out.text)}`,
          ),
        });
        return null;
      }
      throw new UnrecoverableError(err.message);
    }
    throw err;
  }
}

export function startSlackOutWorker(deps: SlackOutDeps & QueueDeps & { concurrency?: number }) {
  const queue = new Queue(SLACK_OUT_QUEUE, {
    prefix: redisKeys(deps.prefix).bull,
    connection: deps.connect('slack-out-limiter'),
  }).on('error', deps.onError);
  const worker = makeWorker(deps, SLACK_OUT_QUEUE, (job, token) => processOut(deps, queue, job, token), {
    connection: 'slack-out-worker',
    options: {
      concurrency: deps.concurrency ?? 4,
      // no pacing of our own (Slack's 429s set the pace), but BullMQ honours queue.rateLimit()
      // across workers only when a limiter is configured
      limiter: { max: 1_000_000, duration: 1000 },
    },
    failed: { log: deps.log, message: 'slack delivery failed', fields: (job) => ({ kind: job?.name }) },
  });
  return {
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
