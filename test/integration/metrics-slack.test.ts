import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { createMetrics } from '../../src/adapters/metrics/catalog.js';
import { countingFetch } from '../../src/adapters/metrics/slack.js';
import { createSlackClient } from '../../src/adapters/slack/web.js';
import { C, slackSeed } from '../support/slack-fixtures.js';

/** The bot's own Web API client against the Slack stand-in: every call counted by method and outcome. */
describe('Slack calls counted through the WebClient fetch', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack(slackSeed());
  });
  afterAll(() => slack?.close());

  it('counts ok, 429 and Slack errors per method, and passes the answers on unchanged', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const client = createSlackClient(slack.botToken, slack.url, countingFetch(metrics));
    const channel = C.general;
    slack.script.failNext('chat.postMessage', { status: 429, retryAfter: 1 });

    const limited = await client.chat
      .postMessage({ channel, text: 'one' })
      .catch((e: { code?: string }) => e.code);
    const posted = await client.chat.postMessage({ channel, text: 'two' });
    const missing = await client.chat
      .postMessage({ channel: 'C0NOTTHERE', text: 'three' })
      .catch((e: { data?: { error?: string } }) => e.data?.error);
    const counts = (await metrics.slackCalls.get()).values.map((v) => [
      v.labels.method,
      v.labels.outcome,
      v.value,
    ]);

    expect([limited, posted.ok, missing]).toEqual([
      'slack_webapi_rate_limited_error',
      true,
      'channel_not_found',
    ]);
    expect(counts).toEqual([
      ['chat.postMessage', 'rate_limited', 1],
      ['chat.postMessage', 'ok', 1],
      ['chat.postMessage', 'error', 1],
    ]);
  });
});
