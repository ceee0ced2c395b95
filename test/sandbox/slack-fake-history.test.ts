import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';

describe('fake Slack: message metadata, conversations.history, and posts that answer 5xx', () => {
  let fake: FakeSlack;
  let web: WebClient;
  beforeAll(async () => {
    fake = await startFakeSlack({
      users: [{ id: 'U001', name: 'ann' }],
      channels: [{ id: 'C100', name: 'general' }],
      rateLimits: false,
    });
    web = new WebClient(fake.botToken, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
  });
  afterAll(async () => fake?.close());

  it('stores metadata and returns it from history only with include_all_metadata, newest first', async () => {
    const metadata = { event_type: 'imds_digest', event_payload: { id: 'd1' } };
    const first = await web.chat.postMessage({ channel: 'C100', text: 'one', metadata });
    await web.chat.postMessage({ channel: 'C100', text: 'reply', thread_ts: first.ts ?? '' });
    await web.chat.postMessage({ channel: 'C100', text: 'two' });
    const plain = await web.conversations.history({ channel: 'C100' });
    expect(plain.messages?.map((m) => m.text)).toEqual(['two', 'one']);
    expect(plain.messages?.some((m) => m.metadata)).toBe(false);
    const full = await web.conversations.history({ channel: 'C100', include_all_metadata: true });
    expect(full.messages?.find((m) => m.text === 'one')?.metadata).toEqual(metadata);
    const page = await web.conversations.history({ channel: 'C100', limit: 1 });
    expect(page.has_more).toBe(true);
    const rest = await web.conversations.history({
      channel: 'C100',
      limit: 1,
      cursor: page.response_metadata?.next_cursor ?? '',
    });
    expect(rest.messages?.map((m) => m.text)).toEqual(['one']);
    expect(
      (await web.conversations.history({ channel: 'C100', oldest: first.ts ?? '' })).messages,
    ).toHaveLength(1);
  });

  it('refuses bad metadata and a user id as the conversation', async () => {
    await expect(
      web.chat.postMessage({ channel: 'C100', text: 'x', metadata: { event_type: '', event_payload: {} } }),
    ).rejects.toMatchObject({ data: { error: 'invalid_metadata_format' } });
    await expect(web.conversations.history({ channel: 'U001' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  it('afterCall: carries the post out, then answers 500', async () => {
    fake.script.failNext('chat.postMessage', { status: 500, afterCall: true });
    await expect(web.chat.postMessage({ channel: 'U001', text: 'ambiguous' })).rejects.toMatchObject({
      statusCode: 500,
    });
    expect(fake.messagesIn('U001').map((m) => m.text)).toEqual(['ambiguous']);
    const dm = await web.conversations.open({ users: 'U001' });
    const history = await web.conversations.history({ channel: dm.channel?.id ?? '' });
    expect(history.messages?.map((m) => m.text)).toEqual(['ambiguous']);
  });
});
