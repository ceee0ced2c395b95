import { ErrorCode, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { fakeWebClient } from '../support/fake-slack-clients.js';

const USERS = [
  { id: 'U001', name: 'alice', real_name: 'Alice Martin', email: 'alice@example.com' },
  { id: 'U002', name: 'bruno', real_name: 'Bruno Okafor', email: 'bruno@example.com' },
  { id: 'U003', name: 'gone', email: 'gone@example.com', deleted: true },
  { id: 'U004', name: 'deploybot', is_bot: true },
  { id: 'U005', name: 'chen', email: 'chen@example.com' },
];

let fake: FakeSlack;
let web: WebClient;

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** The Slack error code of a rejected WebClient call. */
async function slackError(call: Promise<unknown>): Promise<{ code: string; error: unknown }> {
  const error = (await call.then(
    () => ({}),
    (e: unknown) => e,
  )) as { code?: string; data?: { error?: string } };
  return { code: error.code ?? 'resolved', error: error.data?.error };
}

beforeAll(async () => {
  fake = await startFakeSlack({
    users: USERS,
    channels: [{ id: 'C100', name: 'imds' }],
    usergroups: { S100: ['U001', 'U002'] },
    rateLimits: false,
  });
  web = fakeWebClient(fake, { rejectRateLimitedCalls: true });
});

afterAll(async () => {
  await fake.close();
});

describe('authentication', () => {
  it.each([
    ['no token', '', 'not_authed'],
    ['an unknown token', 'xoxb-someone-else', 'invalid_auth'],
  ])('refuses %s', async (_label, token, expected) => {
    const other = new WebClient(token, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    expect(await slackError(other.auth.test())).toEqual({ code: ErrorCode.PlatformError, error: expected });
  });

  it('answers auth.test for the bot token', async () => {
    const result = await web.auth.test();
    expect(result).toMatchObject({ ok: true, team_id: fake.teamId, user_id: fake.botUserId });
  });

  it('refuses the app-level token for bot methods', async () => {
    const app = new WebClient(fake.appToken, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    expect(await slackError(app.users.info({ user: 'U001' }))).toEqual({
      code: ErrorCode.PlatformError,
      error: 'not_allowed_token_type',
    });
  });
});

describe('chat', () => {
  it('posts to a channel with blocks and a thread, and stores the message', async () => {
    const parent = await web.chat.postMessage({
      channel: 'C100',
      text: 'digest',
      blocks: [section('*3 laggards*')],
    });
    const reply = await web.chat.postMessage({
      channel: 'C100',
      text: 'details',
      thread_ts: parent.ts as string,
    });
    expect(parent).toMatchObject({ ok: true, channel: 'C100' });
    expect(reply.ts).not.toEqual(parent.ts);
    expect(fake.message('C100', reply.ts as string)).toMatchObject({ text: 'details', thread_ts: parent.ts });
    expect(fake.message('C100', parent.ts as string)?.blocks).toEqual([section('*3 laggards*')]);
  });

  it('posts to a user id in that user’s DM', async () => {
    const posted = await web.chat.postMessage({ channel: 'U002', text: 'your instances' });
    const opened = await web.conversations.open({ users: 'U002' });
    expect(posted.channel).toEqual(opened.channel?.id);
    expect(fake.messagesIn('U002').map((m) => m.text)).toEqual(['your instances']);
  });

  it.each([
    ['an unknown channel', { channel: 'C999', text: 'x' }, 'channel_not_found'],
    ['an unknown user', { channel: 'U999', text: 'x' }, 'channel_not_found'],
    ['a deactivated user', { channel: 'U003', text: 'x' }, 'user_disabled'],
    ['no text nor blocks', { channel: 'C100' }, 'no_text'],
    [
      '51 blocks',
      { channel: 'C100', text: 'x', blocks: Array.from({ length: 51 }, () => section('x')) },
      'invalid_blocks',
    ],
    [
      '14k characters of blocks',
      { channel: 'C100', text: 'x', blocks: [section('y'.repeat(14_000))] },
      'msg_blocks_too_long',
    ],
    ['40,001 characters of text', { channel: 'C100', text: 'z'.repeat(40_001) }, 'msg_too_long'],
  ])('refuses %s', async (_label, args, expected) => {
    const call = web.chat.postMessage(args as Parameters<WebClient['chat']['postMessage']>[0]);
    expect(await slackError(call)).toEqual({ code: ErrorCode.PlatformError, error: expected });
  });

  it('updates a message in place and refuses unknown ones', async () => {
    const posted = await web.chat.postMessage({ channel: 'C100', text: 'before' });
    const updated = await web.chat.update({
      channel: 'C100',
      ts: posted.ts as string,
      text: 'after',
      blocks: [section('new')],
    });
    const missing = await slackError(web.chat.update({ channel: 'C100', ts: '1.000001', text: 'x' }));
    expect(updated).toMatchObject({ ok: true, channel: 'C100', ts: posted.ts, text: 'after' });
    expect(fake.message('C100', posted.ts as string)).toMatchObject({
      text: 'after',
      blocks: [section('new')],
      edits: 1,
    });
    expect(missing).toEqual({ code: ErrorCode.PlatformError, error: 'message_not_found' });
  });

  it('posts ephemeral messages to a user in a conversation', async () => {
    const result = await web.chat.postEphemeral({ channel: 'C100', user: 'U001', text: 'only you' });
    expect(result.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(fake.state.ephemerals({ user: 'U001' })).toMatchObject([{ channel: 'C100', text: 'only you' }]);
  });
});

describe('users and groups', () => {
  it('looks users up by email, deactivated ones included', async () => {
    const alice = await web.users.lookupByEmail({ email: 'Alice@Example.com' });
    const gone = await web.users.lookupByEmail({ email: 'gone@example.com' });
    const missing = await slackError(web.users.lookupByEmail({ email: 'nobody@example.com' }));
    expect(alice.user).toMatchObject({ id: 'U001', real_name: 'Alice Martin', deleted: false });
    expect(gone.user).toMatchObject({ id: 'U003', deleted: true });
    expect(missing).toEqual({ code: ErrorCode.PlatformError, error: 'users_not_found' });
  });

  it('answers users.info and refuses unknown users', async () => {
    const bot = await web.users.info({ user: 'U004' });
    expect(bot.user).toMatchObject({ id: 'U004', is_bot: true });
    expect(await slackError(web.users.info({ user: 'U999' }))).toMatchObject({ error: 'user_not_found' });
  });

  it('pages users.list with a cursor', async () => {
    const pages: string[][] = [];
    for await (const page of web.paginate('users.list', { limit: 2 })) {
      const { members = [] } = page as { members?: Array<{ id: string }> };
      pages.push(members.map((m) => m.id));
    }
    expect(pages).toEqual([['U001', 'U002'], ['U003', 'U004'], ['U005']]);
  });

  it('refuses a cursor it did not issue', async () => {
    expect(await slackError(web.users.list({ cursor: 'bm9wZQ==' }))).toMatchObject({
      error: 'invalid_cursor',
    });
  });

  it('lists usergroup members', async () => {
    const group = await web.usergroups.users.list({ usergroup: 'S100' });
    expect(group.users).toEqual(['U001', 'U002']);
    expect(await slackError(web.usergroups.users.list({ usergroup: 'S999' }))).toMatchObject({
      error: 'no_such_subteam',
    });
  });

  it('opens the same DM id for the same user every time and refuses bots', async () => {
    const first = await web.conversations.open({ users: 'U005' });
    const second = await web.conversations.open({ users: 'U005' });
    expect(first.channel?.id).toMatch(/^D/);
    expect(second.channel?.id).toEqual(first.channel?.id);
    expect(await slackError(web.conversations.open({ users: 'U004' }))).toMatchObject({
      error: 'cannot_dm_bot',
    });
  });
});

describe('files', () => {
  it('uploads with filesUploadV2 (get URL, POST bytes, complete) and shares in the channel', async () => {
    const csv = 'instance,owner\ni-1,alice\n';
    await web.filesUploadV2({
      channel_id: 'C100',
      content: csv,
      filename: 'laggards.csv',
      title: 'Laggards',
      initial_comment: 'weekly export',
    });
    const [file] = fake.files();
    expect(file).toMatchObject({
      filename: 'laggards.csv',
      title: 'Laggards',
      channel_id: 'C100',
      initial_comment: 'weekly export',
    });
    expect(file?.bytes?.toString('utf8')).toEqual(csv);
    expect(fake.messagesIn('C100').at(-1)).toMatchObject({
      text: 'weekly export',
      files: [file?.id],
      source: 'file_share',
    });
    expect(
      fake
        .calls()
        .slice(-3)
        .map((c) => c.method),
    ).toEqual(['files.getUploadURLExternal', 'files.upload', 'files.completeUploadExternal']);
  });

  it('refuses to complete a file that was never uploaded', async () => {
    const reserved = await web.files.getUploadURLExternal({ filename: 'x.txt', length: 3 });
    const call = web.files.completeUploadExternal({ files: [{ id: reserved.file_id as string }] });
    expect(await slackError(call)).toMatchObject({ error: 'file_not_found' });
  });
});

describe('wire', () => {
  it('accepts JSON bodies as well as forms', async () => {
    const response = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${fake.botToken}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify({ channel: 'C100', text: 'json', blocks: [section('j')] }),
    });
    const body = (await response.json()) as { ok: boolean; ts: string };
    expect(body.ok).toBe(true);
    expect(fake.message('C100', body.ts)?.blocks).toEqual([section('j')]);
  });

  it('logs every call with parsed args and no token', () => {
    const [call] = fake.calls('usergroups.users.list');
    expect(call).toMatchObject({
      method: 'usergroups.users.list',
      args: { usergroup: 'S100' },
      status: 200,
      ok: true,
    });
    expect(call?.args).not.toHaveProperty('token');
  });

  it('answers unknown methods with unknown_method', async () => {
    expect(await slackError(web.apiCall('nope.nothing'))).toMatchObject({ error: 'unknown_method' });
  });
});
