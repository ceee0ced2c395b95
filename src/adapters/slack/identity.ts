import type { WebClient } from '@slack/web-api';
import { CodedError, errorMessage, SetupError } from '../../domain/errors.js';
import type { Logger } from '../log.js';
import { classifySlackError } from './web.js';

/** Who the bot is in Slack, from auth.test at start: the workspace (or org) it serves. */
export interface SlackIdentity {
  teamId: string | null;
  enterpriseId: string | null;
  botUserId: string;
  botId: string;
}

/** Start-up was stopped (SIGTERM) before Slack answered auth.test. */
export class StartStopped extends CodedError {
  constructor() {
    super('start-stopped', 'stopped before the Slack API answered');
  }
}

/** Slack's answers to a token that will never work. */
const REFUSED_TOKEN = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
]);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Resolves null when `signal` aborts (never without one): an in-flight call does not hold up a stop. */
const untilAborted = (signal?: AbortSignal) =>
  new Promise<null>((resolve) => {
    if (signal?.aborted) resolve(null);
    signal?.addEventListener('abort', () => resolve(null));
  });

interface AuthTest {
  team_id?: string;
  enterprise_id?: string;
  user_id?: string;
  bot_id?: string;
}

/**
 * auth.test before anything listens: a token Slack refuses stops start-up with one line naming
 * SLACK_BOT_TOKEN; a Slack API that cannot be reached is retried (logged once) until it answers
 * or `signal` aborts (SIGTERM). With SLACK_TEAM_ID set, the token must belong to that workspace.
 */
export async function verifyBotToken(
  client: WebClient,
  opts: { expectedTeamId: string | null; log: Logger; signal?: AbortSignal },
): Promise<SlackIdentity | null> {
  let warned = false;
  for (let attempt = 0; !opts.signal?.aborted; attempt += 1) {
    try {
      const res = await Promise.race([client.auth.test(), untilAborted(opts.signal)]);
      return res ? identityOf(res as AuthTest, opts.expectedTeamId) : null;
    } catch (err) {
      if (err instanceof SetupError) throw err;
      const e = classifySlackError(err, 'auth.test');
      const code = e.code.replace(/^slack:/, '');
      if (REFUSED_TOKEN.has(code))
        throw new SetupError(
          `SLACK_BOT_TOKEN: Slack refused the bot token (${code}); copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions`,
        );
      if (!e.transient) throw new SetupError(`SLACK_BOT_TOKEN: auth.test answered ${code}`);
      if (!warned) opts.log.warn({ err: errorMessage(e) }, 'slack api unreachable at start, retrying');
      warned = true;
      await sleep(Math.min(30_000, 500 * 2 ** attempt), opts.signal);
    }
  }
  return null;
}

function identityOf(res: AuthTest, expectedTeamId: string | null): SlackIdentity {
  const teamId = res.team_id || null;
  if (expectedTeamId && teamId !== expectedTeamId)
    throw new SetupError(
      `SLACK_TEAM_ID is ${expectedTeamId}, but SLACK_BOT_TOKEN belongs to workspace ${teamId ?? '(none)'}`,
    );
  return {
    teamId,
    enterpriseId: res.enterprise_id || null,
    botUserId: res.user_id ?? '',
    botId: res.bot_id ?? '',
  };
}
