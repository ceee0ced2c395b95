import { type Logger, LogLevel, WebClient, type WebClientOptions } from '@slack/web-api';

/** A Slack SDK logger that drops everything (Bolt, WebClient and SocketModeClient take it). */
export const silentSlackLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

/**
 * The bot's WebClient on a fake Slack's Web API (a FakeSlack, or the ready line of its main.ts):
 * no retries and no logging unless `options` say otherwise.
 */
export function fakeWebClient(
  fake: { url: string; botToken: string },
  options: WebClientOptions = {},
): WebClient {
  return new WebClient(fake.botToken, {
    slackApiUrl: fake.url,
    retryConfig: { retries: 0 },
    logger: silentSlackLogger,
    ...options,
  });
}
