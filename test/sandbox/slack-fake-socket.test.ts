import { once } from 'node:events';
import { SocketModeClient } from '@slack/socket-mode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  eventCallbackPayload,
  type FakeSlack,
  slashCommandPayload,
  startFakeSlack,
} from '../../sandbox/slack/index.js';
import { silentSlackLogger } from '../support/fake-slack-clients.js';

interface AckArgs {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  body: Record<string, unknown>;
}

/** Resolves on the client's next 'connected' (SocketModeClient is an eventemitter3, not a Node emitter). */
const nextConnected = (c: SocketModeClient): Promise<void> =>
  new Promise((resolve) => {
    c.once('connected', () => resolve());
  });

let fake: FakeSlack;
let client: SocketModeClient;

function newClient(): SocketModeClient {
  // a short clientPingTimeout also makes the client reconnect quickly (its delay is that timeout × failures)
  return new SocketModeClient({
    appToken: fake.appToken,
    clientOptions: { slackApiUrl: fake.url },
    clientPingTimeout: 300,
    logger: silentSlackLogger,
  });
}

beforeEach(async () => {
  fake = await startFakeSlack({ socketAckTimeoutMs: 500 });
  client = newClient();
});

afterEach(async () => {
  await client.disconnect();
  await fake.close();
});

describe('Socket Mode', () => {
  it('connects the real SocketModeClient and round-trips a slash command and its ack', async () => {
    const received: Array<Record<string, unknown>> = [];
    client.on('slash_commands', async ({ ack, body }: AckArgs) => {
      received.push(body);
      await ack({ text: 'Scanning 2 accounts…' });
    });
    await client.start();
    const payload = slashCommandPayload({ user_id: 'U001', channel_id: 'C100', text: 'scan 111111111111' });
    const ack = await fake.socket.push('slash_commands', payload);
    expect(received).toEqual([payload]);
    expect(ack).toMatchObject({
      envelope_id: fake.socket.envelopes()[0]?.envelope_id,
      payload: { text: 'Scanning 2 accounts…' },
    });
    expect(fake.calls('apps.connections.open')).toMatchObject([{ ok: true }]);
  });

  it('delivers events_api envelopes by event type', async () => {
    const seen: string[] = [];
    client.on('app_home_opened', async ({ ack, body }: AckArgs) => {
      seen.push(String((body.event as { user: string }).user));
      await ack();
    });
    await client.start();
    await fake.socket.push(
      'events_api',
      eventCallbackPayload({ type: 'app_home_opened', user: 'U001', tab: 'home' }),
    );
    expect(seen).toEqual(['U001']);
  });

  it('rejects a push the app does not ack in time', async () => {
    client.on('interactive', () => {});
    await client.start();
    await expect(
      fake.socket.push('interactive', { type: 'block_actions' }, { timeoutMs: 100 }),
    ).rejects.toThrow(/no ack/);
    expect(fake.socket.envelopes()).toMatchObject([{ type: 'interactive', error: 'ack_timeout' }]);
  });

  it('makes the client reconnect on a disconnect message (refresh_requested)', async () => {
    await client.start();
    const reconnected = nextConnected(client);
    expect(fake.socket.sendDisconnect()).toBe(1);
    await reconnected;
    expect(fake.socket.connectionsOpened()).toBe(2);
    expect(fake.calls('apps.connections.open')).toHaveLength(2);
  });

  it('makes the client reconnect when the server closes every connection', async () => {
    await client.start();
    const reconnected = nextConnected(client);
    await fake.socket.disconnectAll();
    await reconnected;
    await fake.socket.waitForConnections(1);
    expect(fake.socket.connectionCount()).toBe(1);
  });

  it('refuses a WebSocket without a valid ticket and a second use of a ticket', async () => {
    const url = fake.socket.newConnectionUrl();
    const first = new WebSocket(url);
    const [hello] = (await once(first, 'message')) as [Buffer];
    const second = new WebSocket(url);
    const [error] = (await once(second, 'error')) as [Error];
    first.close();
    expect(JSON.parse(hello.toString())).toMatchObject({
      type: 'hello',
      connection_info: { app_id: fake.appId },
    });
    expect(error.message).toMatch(/401/);
  });

  it('fails a push when no app is connected', async () => {
    await expect(fake.socket.push('slash_commands', {})).rejects.toThrow(/no Socket Mode connection/);
  });
});
