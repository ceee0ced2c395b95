import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slashCommandPayload } from '../../sandbox/slack/payloads.js';
import { C, slackFleet, slackSeed, slackWorkflow, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/** No public ingress: the bot opens a WebSocket to Slack (apps.connections.open) and acks envelopes on it. */
describe('Socket Mode', () => {
  let h: SlackHarness;
  const built = slackFleet();
  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, slackWorkflow(), slackSeed(), 'socket');
    await h.slack.socket.waitForConnections(1, 10_000);
    await h.scan();
  });
  afterAll(async () => h?.close());

  it('acks a slash command envelope with the answer', async () => {
    const ack = await h.slack.socket.push(
      'slash_commands',
      slashCommandPayload({ text: 'help', user_id: U.alice, channel_id: C.general }),
    );
    expect(JSON.stringify(ack.payload)).toContain('/imds scan');
  });

  it('carries out a command from the queue and answers on its response_url', async () => {
    const responseUrl = h.slack.state.newResponseUrl({ channel: C.general, user: U.alice });
    const ack = await h.slack.socket.push(
      'slash_commands',
      slashCommandPayload({
        text: `status ${built.ids.aliceReady}`,
        user_id: U.alice,
        channel_id: C.general,
        response_url: responseUrl,
      }),
    );
    expect(JSON.stringify(ack.payload)).toContain('Working on');
    const reply = await until(() => responses(h, responseUrl)[0], 'the status reply');
    expect(JSON.stringify(reply)).toContain('ready to enforce');
  });

  it('reconnects when Slack asks it to and keeps working', async () => {
    const opened = h.slack.socket.connectionsOpened();
    h.slack.socket.sendDisconnect('refresh_requested');
    await until(
      () => h.slack.socket.connectionsOpened() > opened && h.slack.socket.connectionCount() > 0,
      'a new connection',
    );
    const ack = await h.slack.socket.push(
      'slash_commands',
      slashCommandPayload({ text: 'help', user_id: U.alice, channel_id: C.general }),
    );
    expect(JSON.stringify(ack.payload)).toContain('/imds');
  });
});
