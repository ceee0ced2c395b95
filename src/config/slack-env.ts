import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';

/** What `imds-bot serve` needs on top of the common environment. */
export const SlackEnv = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'required: the bot token (xoxb-…) from OAuth & Permissions' })
    .regex(/^xoxb-/, 'a bot token (xoxb-…) from OAuth & Permissions'),
  /** with an app-level token (xapp-…, scope connections:write) the bot uses Socket Mode: no public ingress */
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'an app-level token (xapp-…) with connections:write')
    .optional(),
  /** needed by the HTTP receiver (Basic Information > App Credentials) */
  SLACK_SIGNING_SECRET: z
    .string()
    .min(8, 'the signing secret from Basic Information > App Credentials')
    .optional(),
  /** Web API base, for proxies, GovSlack (https://slack-gov.com/api/) and tests */
  SLACK_API_URL: z.url().default('https://slack.com/api/'),
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  /** the workspace this installation serves; auth.test must agree (default: the token's own) */
  SLACK_TEAM_ID: z
    .string()
    .regex(/^T[A-Z0-9]{2,}$/, 'a Slack workspace id such as T0123ABCD')
    .optional(),
});

export interface SlackConfig {
  botToken: string;
  appToken: string | null;
  signingSecret: string | null;
  apiUrl: string;
  port: number;
  mode: 'socket' | 'http';
  /** SLACK_TEAM_ID: requests naming another workspace are refused; null = the bot token's own */
  teamId: null | string;
}

export function loadSlackConfig(env: Record<string, string | undefined>): SlackConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = SlackEnv.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  if (!present.SLACK_APP_TOKEN && !present.SLACK_SIGNING_SECRET) {
    problems.push(
      'SLACK_SIGNING_SECRET: set SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET for the HTTP receiver',
    );
  }
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError('The Slack app is not configured (see README: Installing the Slack app)', problems);
  }
  const e = parsed.data;
  return {
    botToken: e.SLACK_BOT_TOKEN,
    appToken: e.SLACK_APP_TOKEN ?? null,
    signingSecret: e.SLACK_SIGNING_SECRET ?? null,
    apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
    port: e.PORT,
    mode: e.SLACK_APP_TOKEN ? 'socket' : 'http',
    teamId: e.SLACK_TEAM_ID ?? null,
  };
}
