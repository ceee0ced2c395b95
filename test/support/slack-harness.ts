import type { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { freePort } from '../../sandbox/redis-server.js';
import { type FakeSlack, type StartFakeSlackOptions, startFakeSlack } from '../../sandbox/slack/index.js';
import type { BlockActionsInput, ViewSubmissionInput } from '../../sandbox/slack/payloads.js';
import {
  blockActionsBody,
  eventCallbackBody,
  slackRequestHeaders,
  slashCommandBody,
  viewSubmissionBody,
} from '../../sandbox/slack/signing.js';
import { silentLogger } from '../../src/adapters/log.js';
import type { SlackRuntime } from '../../src/compose/slack.js';
import type { Workflow } from '../../src/config/workflow-schema.js';
import { type App, createApp } from '../../src/main.js';
import { pointSdkAt, testEnv } from './harness.js';
import { slackEnv } from './slack-env.js';

export interface SlackHarness {
  emulator: AwsEmulator;
  slack: FakeSlack;
  app: App;
  runtime: SlackRuntime;
  eventsUrl: string;
  /** POSTs a signed request as Slack would; returns Bolt's HTTP answer */
  send(
    body: string,
    opts?: { timestampSeconds?: number; secret?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; text: string }>;
  command(
    text: string,
    user: string,
    channel: string,
  ): Promise<{ status: number; text: string; responseUrl: string }>;
  click(input: BlockActionsInput): Promise<{ status: number; text: string }>;
  submit(input: ViewSubmissionInput): Promise<{ status: number; text: string }>;
  event(event: Record<string, unknown> & { type: string }): Promise<{ status: number; text: string }>;
  scan(): Promise<void>;
  close(): Promise<void>;
}

/** Polls until `check` returns a value (not undefined/false); fails with `what` after `ms`. */
export async function until<T>(
  check: () => T | Promise<T>,
  what: string,
  ms = 20_000,
): Promise<Exclude<T, undefined | false | null>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false && v !== null) return v as Exclude<T, undefined | false | null>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The whole bot (scan workers, Slack workers, Bolt's HTTP receiver) against the emulator and fake Slack. */
export async function startSlackHarness(
  fleet: Fleet,
  workflow: Workflow,
  slackOpts: StartFakeSlackOptions,
  mode: 'http' | 'socket' = 'http',
  aws: { latencyMs?: number } = {},
  env: Record<string, string> = testEnv(),
): Promise<SlackHarness> {
  const emulator = await startAwsEmulator({ fleet, throttle: false, metadataApplyDelayMs: 0, ...aws });
  pointSdkAt(emulator.url);
  const slack = await startFakeSlack(slackOpts);
  const port = await freePort();
  const app = await createApp({
    env: { ...env, ...slackEnv(slack, port, mode) },
    workflow,
    log: silentLogger(),
  });
  const runtime = await app.startSlack();
  app.startWorkers(4);
  const eventsUrl = `http://127.0.0.1:${port}/slack/events`;
  const send: SlackHarness['send'] = async (body, opts = {}) => {
    const headers = slackRequestHeaders(body, opts.secret ?? slack.signingSecret, opts.timestampSeconds);
    const res = await fetch(eventsUrl, { method: 'POST', headers: { ...headers, ...opts.headers }, body });
    return { status: res.status, text: await res.text() };
  };
  return {
    emulator,
    slack,
    app,
    runtime,
    eventsUrl,
    send,
    async command(text, user, channel) {
      const responseUrl = slack.state.newResponseUrl({ channel, user });
      const r = await send(
        slashCommandBody({
          text,
          user_id: user,
          channel_id: channel,
          response_url: responseUrl,
          trigger_id: slack.state.newTriggerId(),
        }),
      );
      return { ...r, responseUrl };
    },
    click: (input) => send(blockActionsBody({ trigger_id: slack.state.newTriggerId(), ...input })),
    submit: (input) => send(viewSubmissionBody(input)),
    event: (event) => send(eventCallbackBody(event)),
    async scan() {
      const { scanId } = await app.requestScan({ kind: 'cli', by: 'test' });
      await app.waitForScan(scanId);
    },
    async close() {
      await app.close();
      await slack.close();
      await emulator.close();
    },
  };
}

/** The bodies posted to a response_url, in order. */
export const responses = (h: SlackHarness, url: string) =>
  h.slack.state.responseUses(url).map((u) => u.body as { text?: string; blocks?: unknown[] });

/**
 * Submits, as `user` and with `text` in its field, the last modal the bot opened whose view
 * mentions `mentions` (a request id), as Slack sends a view_submission.
 */
export async function submitModal(h: SlackHarness, mentions: string, user: string, text: string) {
  const opened = await until(
    () =>
      h.slack
        .calls('views.open')
        .filter((c) => c.ok && JSON.stringify(c.args.view).includes(mentions))
        .at(-1),
    `the modal of ${mentions}`,
  );
  const view = opened.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
  return h.submit({
    user: { id: user },
    view: {
      id: 'V0MODAL01',
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      blocks: view.blocks,
      state: { values: { text: { value: { type: 'plain_text_input', value: text } } } },
    },
  });
}

/** The first answer on the response_url of `/imds <text>` typed by `user` in `channel`, as JSON text. */
export async function replyTo(h: SlackHarness, text: string, user: string, channel: string): Promise<string> {
  const r = await h.command(text, user, channel);
  return JSON.stringify(await until(() => responses(h, r.responseUrl)[0], `reply to ${text}`));
}

/**
 * Clicks `actionId` on the card of request `id` in `channel` as `user`, as Slack sends it;
 * returns the click's response_url.
 */
export async function clickOnCard(
  h: SlackHarness,
  id: string,
  actionId: string,
  user: string,
  channel: string,
) {
  const card = await until(
    () => h.slack.messagesIn(channel).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id)),
    `card of ${id}`,
  );
  const url = h.slack.state.newResponseUrl({ channel, user });
  await h.click({
    user: { id: user },
    actions: [{ action_id: actionId, value: id }],
    channel: { id: channel },
    message: { ts: card.ts },
    response_url: url,
  });
  return url;
}
