import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import {
  blockActionsBody,
  type FakeSlack,
  signRequest,
  slackRequestHeaders,
  slashCommandBody,
  slashCommandPayload,
  startFakeSlack,
  viewSubmissionBody,
} from '../../sandbox/slack/index.js';
import { silentSlackLogger } from '../support/fake-slack-clients.js';

const USERS = [{ id: 'U001', name: 'alice', email: 'alice@example.com' }];
const CHANNELS = [{ id: 'C100', name: 'imds' }];

let fake: FakeSlack;
let app: App | undefined;

afterEach(async () => {
  await app?.stop();
  app = undefined;
  await fake.close();
});

/** A Bolt app on the default HTTPReceiver, its Web API pointed at the fake. */
async function startHttpApp(register: (app: App) => void): Promise<string> {
  fake = await startFakeSlack({ users: USERS, channels: CHANNELS });
  app = new App({
    token: fake.botToken,
    signingSecret: fake.signingSecret,
    clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    logger: silentSlackLogger,
  });
  register(app);
  const server = (await app.start(0)) as Server;
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
}

function send(endpoint: string, body: string, secret: string): Promise<Response> {
  return fetch(endpoint, { method: 'POST', headers: slackRequestHeaders(body, secret), body });
}

describe('signed requests to a Bolt HTTP receiver', () => {
  it('delivers a slash command whose respond() posts to the fake response_url', async () => {
    const endpoint = await startHttpApp((bolt) => {
      bolt.command('/imds', async ({ ack, command, respond }) => {
        await ack();
        await respond({ text: `scanning ${command.text}` });
      });
    });
    const response_url = fake.state.newResponseUrl({ channel: 'C100', user: 'U001' });
    const body = slashCommandBody({ user_id: 'U001', channel_id: 'C100', text: 'all', response_url });
    const response = await send(endpoint, body, fake.signingSecret);
    expect(response.status).toBe(200);
    await expect.poll(() => fake.state.responseUses(response_url).length).toBe(1);
    expect(fake.state.ephemerals({ user: 'U001' })).toMatchObject([{ text: 'scanning all' }]);
  });

  it('refuses a body signed with another secret', async () => {
    const endpoint = await startHttpApp(() => {});
    const response = await send(endpoint, slashCommandBody({ user_id: 'U001', channel_id: 'C100' }), 'wrong');
    expect(response.status).toBe(401);
  });

  it('refuses a request signed more than 5 minutes ago', async () => {
    const endpoint = await startHttpApp(() => {});
    const body = slashCommandBody({ user_id: 'U001', channel_id: 'C100' });
    const old = signRequest(body, fake.signingSecret, Math.floor(Date.now() / 1000) - 301);
    const headers = { ...old, 'content-type': 'application/x-www-form-urlencoded' };
    expect((await fetch(endpoint, { method: 'POST', headers, body })).status).toBe(401);
  });

  it('delivers a button click with its action, message and channel', async () => {
    const clicks: unknown[] = [];
    const endpoint = await startHttpApp((bolt) => {
      bolt.action('enforce', async ({ ack, body, action }) => {
        await ack();
        const message = body.type === 'block_actions' ? body.message?.ts : undefined;
        clicks.push({ action, channel: body.channel?.id, message, user: body.user.id });
      });
    });
    const body = blockActionsBody({
      user: { id: 'U001', username: 'alice' },
      channel: { id: 'C100' },
      message: { ts: '1700000000.000100', text: 'card' },
      actions: [{ action_id: 'enforce', block_id: 'b1', value: 'i-0abc' }],
    });
    expect((await send(endpoint, body, fake.signingSecret)).status).toBe(200);
    expect(clicks).toMatchObject([
      {
        action: { action_id: 'enforce', value: 'i-0abc', type: 'button' },
        channel: 'C100',
        message: '1700000000.000100',
        user: 'U001',
      },
    ]);
  });

  it('delivers a view submission and returns the ack’s response_action', async () => {
    const endpoint = await startHttpApp((bolt) => {
      bolt.view('snooze', async ({ ack, view }) => {
        await ack({
          response_action: 'errors',
          errors: { days: `bad: ${view.state.values.days?.input?.value}` },
        });
      });
    });
    const body = viewSubmissionBody({
      user: { id: 'U001' },
      view: {
        callback_id: 'snooze',
        private_metadata: 'i-1',
        state: { values: { days: { input: { type: 'plain_text_input', value: '400' } } } },
      },
    });
    const response = await send(endpoint, body, fake.signingSecret);
    expect(await response.json()).toEqual({ response_action: 'errors', errors: { days: 'bad: 400' } });
  });
});

describe('a Bolt app in Socket Mode', () => {
  it('acks a pushed slash command with a payload and posts through the Web API', async () => {
    fake = await startFakeSlack({ users: USERS, channels: CHANNELS });
    app = new App({
      token: fake.botToken,
      appToken: fake.appToken,
      socketMode: true,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
      installerOptions: { clientOptions: { slackApiUrl: fake.url } },
      logger: silentSlackLogger,
    });
    app.command('/imds', async ({ ack, command, client }) => {
      await ack({ text: 'on it' });
      await client.chat.postMessage({ channel: command.channel_id, text: `report for ${command.user_id}` });
    });
    await app.start();
    const ack = await fake.socket.push(
      'slash_commands',
      slashCommandPayload({ user_id: 'U001', channel_id: 'C100' }),
    );
    expect(ack.payload).toEqual({ text: 'on it' });
    await expect.poll(() => fake.messagesIn('C100').map((m) => m.text)).toEqual(['report for U001']);
  });
});
