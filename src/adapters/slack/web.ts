import type { KnownBlock } from '@slack/types';
import { ErrorCode, WebClient } from '@slack/web-api';
import { CodedError, errorMessage } from '../../domain/errors.js';
import { type Mrkdwn, notification } from './text.js';

/**
 * The bot's Web API client for workers: it never waits out a 429 itself (that would block a
 * worker for up to Retry-After) and never retries on its own: the queue does both, so nothing
 * is dropped and nothing blocks.
 */
export function createSlackClient(token: string, apiUrl: string, fetch?: typeof globalThis.fetch): WebClient {
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    // the metrics adapter's counting fetch, when given
    ...(fetch ? { fetch } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 15_000,
  });
}

/** Slack said: wait this long before calling again. */
export class SlackRateLimited extends CodedError {
  readonly retryAfterMs: number;
  constructor(method: string, retryAfterSeconds: number) {
    super('slack-rate-limited', `${method}: rate limited, retry after ${retryAfterSeconds} s`, {
      transient: true,
    });
    this.retryAfterMs = Math.max(1, retryAfterSeconds) * 1000;
  }
}

interface SlackLikeError {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
  original?: Error;
}

/** Errors Slack answers that another try will not fix. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'user_not_found',
  'users_not_found',
  'is_archived',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'invalid_blocks',
  'msg_too_long',
  'no_permission',
  'cannot_dm_bot',
  'user_disabled',
  'invalid_arguments',
  'not_authed',
  'message_not_found',
  'cant_update_message',
  'expired_trigger_id',
  'exchanged_trigger_id',
  'invalid_trigger_id',
  'msg_blocks_too_long',
  'invalid_blocks_format',
  'no_text',
  'hash_conflict',
  'not_allowed_token_type',
]);

/**
 * One mapping from whatever @slack/web-api threw to our errors, with the method and Slack's error
 * code in the message ("chat.postMessage: channel_not_found").
 */
export function classifySlackError(err: unknown, method: string): CodedError {
  if (err instanceof CodedError) return err;
  const e = (err ?? {}) as SlackLikeError;
  if (e.code === ErrorCode.RateLimitedError) return new SlackRateLimited(method, e.retryAfter ?? 1);
  if (e.code === ErrorCode.PlatformError) {
    const code = e.data?.error ?? 'unknown_error';
    return new CodedError(`slack:${code}`, `${method}: ${code}`, {
      transient: !PERMANENT.has(code),
      cause: err,
    });
  }
  if (e.code === ErrorCode.HTTPError) {
    const status = e.statusCode ?? 0;
    return new CodedError(`slack-http-${status}`, `${method}: HTTP ${status}`, {
      transient: status >= 500 || status === 408,
      cause: err,
    });
  }
  return new CodedError('slack-request-failed', `${method}: ${errorMessage(e.original ?? err)}`, {
    transient: true,
    cause: err,
  });
}

/** Calls a Web API method and maps its failure once. */
export async function call<T>(method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw classifySlackError(err, method);
  }
}

export interface ResponseMessage {
  text: string;
  blocks?: KnownBlock[] | undefined;
  response_type?: 'ephemeral' | 'in_channel' | undefined;
  replace_original?: boolean | undefined;
}

/**
 * Posts to a response_url (5 uses within 30 minutes). Only to Slack's own hosts (or the
 * configured API host, for proxies and tests): a forged URL cannot make the bot post elsewhere.
 */
export async function respond(
  responseUrl: string,
  message: ResponseMessage,
  allowedOrigins: readonly string[],
): Promise<void> {
  const url = new URL(responseUrl);
  if (!allowedOrigins.includes(url.origin)) {
    throw new CodedError('response-url-refused', `response_url ${url.origin} is not a Slack host`);
  }
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  if (res.status === 429)
    throw new SlackRateLimited('response_url', Number(res.headers.get('retry-after') ?? 1));
  if (!res.ok) {
    const body = (await res.text()).slice(0, 200);
    throw new CodedError('response-url-failed', `response_url: HTTP ${res.status} ${body}`, {
      transient: res.status >= 500,
    });
  }
}

/** A reply only the user sees; on a card's response_url it never replaces the card. */
export const ephemeral = (text: Mrkdwn, blocks?: KnownBlock[]): ResponseMessage => ({
  response_type: 'ephemeral',
  text: notification(text),
  replace_original: false,
  ...(blocks ? { blocks } : {}),
});

export const responseOrigins = (apiUrl: string): string[] => [
  ...new Set(['https://hooks.slack.com', 'https://hooks.slack-gov.com', new URL(apiUrl).origin]),
];
