import type { FakeSlack } from '../../sandbox/slack/index.js';

/**
 * The environment `imds-bot serve` reads to reach the fake Slack: the bot is built from it as in
 * production (createApp reads it; Socket Mode with the app token).
 */
export function slackEnv(
  slack: FakeSlack,
  port: number,
  mode: 'http' | 'socket' = 'http',
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.url,
    PORT: String(port),
    ...(mode === 'socket' ? { SLACK_APP_TOKEN: slack.appToken } : {}),
  };
}
