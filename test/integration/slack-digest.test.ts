import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { wakeSnoozes } from '../../src/adapters/slack/tasks/sweeper.js';
import { C, slackFleet, slackSeed, slackWorkflow, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

const run = promisify(execFile);
const text = (m: { text: string; blocks: unknown[] | undefined }) =>
  `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;

/** Button values of a message, by action prefix (imds_ack, imds_snooze, …), in order. */
function buttons(m: { blocks: unknown[] | undefined }, prefix: string): string[] {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.action_id === 'string' && o.action_id.startsWith(prefix) && typeof o.value === 'string')
        found.push(o.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(m.blocks);
  return found;
}

describe('digests, cards and App Home', () => {
  let h: SlackHarness;
  const built = slackFleet();
  /** the harness's workflow as a file, for the command-line process */
  const workflowFile = () => {
    const file = join(mkdtempSync(join(tmpdir(), 'imds-digest-')), 'workflow.yaml');
    writeFileSync(file, stringify(h.app.workflow));
    return file;
  };
  const topLevel = (channel: string) => h.slack.messagesIn(channel).filter((m) => !m.thread_ts);
  const digest = async () => {
    const job = await h.runtime.tasks.add({
      kind: 'digest',
      trigger: { kind: 'cli', by: 'test' },
      onlyRegressions: false,
    });
    await until(async () => (await job.getState()) === 'completed', 'digest planned');
    await until(async () => {
      const c = await h.runtime.out.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).every((n) => n === 0);
    }, 'digests delivered');
  };

  beforeAll(async () => {
    h = await startSlackHarness(
      built.fleet,
      slackWorkflow({
        slack: { securityChannel: C.security, teams: { payments: C.payments, ghosts: 'C0GONE001' } },
      }),
      slackSeed(),
    );
    await h.scan();
    h.slack.script.failNext('chat.postMessage', { status: 429, retryAfter: 1 }); // the first post is rate limited
    h.slack.script.failNext('chat.postMessage', { status: 500 }); // and one answers 500
    await digest();
  });
  afterAll(async () => h?.close());

  it('sends each owner one message holding only their own instances, despite a 429 and a 500', () => {
    const { ids } = built;
    const alice = topLevel(U.alice);
    expect(alice).toHaveLength(1);
    expect(text(alice[0] as never)).toContain(ids.aliceReady);
    expect(text(alice[0] as never)).toContain(ids.aliceInUse);
    const others = [ids.carol, ids.payments, ids.bob, ids.nobody, ids.fixed];
    for (const id of others) expect(text(alice[0] as never)).not.toContain(id);
    expect(topLevel(U.carol).map((m) => text(m))).toEqual([expect.stringContaining(ids.carol)]);
    expect(topLevel(U.carol).map((m) => text(m))).toEqual([expect.not.stringContaining(ids.aliceReady)]);
    expect(topLevel(C.payments).map((m) => text(m))).toEqual([expect.stringContaining(ids.payments)]);
    expect(h.slack.calls('chat.postMessage').filter((c) => c.status === 429)).toHaveLength(1);
  });

  it('sends unowned and unreachable owners to security, saying why', () => {
    const sec = topLevel(C.security)
      .map((m) => text(m))
      .join('\n');
    expect(sec).toContain(built.ids.bob);
    expect(sec).toContain(built.ids.nobody);
    expect(sec).toContain('is a deactivated Slack user');
    expect(sec).toContain('no owner tag');
    expect(sec).not.toContain(built.ids.aliceReady);
  });

  it('does not post again when nothing changed', async () => {
    const before = h.slack.calls('chat.postMessage').length;
    await digest();
    expect(h.slack.calls('chat.postMessage').length).toBe(before);
  });

  it('records an acknowledgement from the owner, refuses others and forged buttons', async () => {
    const card = topLevel(U.alice)[0];
    if (!card) throw new Error('no card');
    const [ref] = buttons(card, 'imds_ack_');
    const url = h.slack.state.newResponseUrl({ channel: card.channel, user: U.alice });
    const click = (user: string, value: string, responseUrl: string) =>
      h.click({
        user: { id: user },
        actions: [{ action_id: 'imds_ack_0', value }],
        channel: { id: card.channel },
        message: { ts: card.ts },
        response_url: responseUrl,
      });
    expect((await click(U.alice, ref ?? '', url)).status).toBe(200);
    expect(JSON.stringify(await until(() => responses(h, url)[0], 'ack reply'))).toContain('Acknowledged');
    await until(
      () =>
        h.slack
          .messagesIn(card.channel)
          .find((m) => m.thread_ts === card.ts && m.text.includes('acknowledged')),
      'thread reply',
    );
    const other = h.slack.state.newResponseUrl({ channel: card.channel, user: U.mallory });
    await click(U.mallory, ref ?? '', other);
    expect(JSON.stringify(await until(() => responses(h, other)[0], 'refusal'))).toContain('Only the owner');
    const forged = h.slack.state.newResponseUrl({ channel: card.channel, user: U.alice });
    await click(U.alice, 'forged-ref-123456', forged);
    expect(JSON.stringify(await until(() => responses(h, forged)[0], 'forged reply'))).toContain(
      'not from a current imds-bot card',
    );
    const entries = await h.runtime.ctx.audit.recent({ limit: 5 });
    expect(entries.filter((e) => e.type === 'acknowledged')).toHaveLength(1);
  });

  it('snoozes through the modal; the snoozed instance leaves the next digest', async () => {
    const card = topLevel(U.alice)[0];
    if (!card) throw new Error('no card');
    const refs = buttons(card, 'imds_snooze_');
    await h.click({
      user: { id: U.alice },
      actions: [{ action_id: 'imds_snooze_0', value: refs[0] ?? '' }],
      channel: { id: card.channel },
      message: { ts: card.ts },
    });
    const opened = await until(() => h.slack.calls('views.open').find((c) => c.ok), 'the snooze modal');
    const view = opened.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    const submit = (reason: string) =>
      h.submit({
        user: { id: U.alice },
        view: {
          id: 'V1',
          callback_id: view.callback_id,
          private_metadata: view.private_metadata,
          blocks: view.blocks,
          state: {
            values: {
              duration: { value: { type: 'static_select', selected_option: { value: '7' } } },
              reason: { value: { type: 'plain_text_input', value: reason } },
            },
          },
        },
      });
    const tooShort = await submit('later');
    expect(JSON.parse(tooShort.text)).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringContaining('at least') },
    });
    expect((await submit('vendor agent upgrade lands next week')).status).toBe(200);
    const keys = [built.ids.aliceInUse, built.ids.aliceReady].map((id) => `454545454545:eu-west-1:${id}`);
    const snoozed = await until(
      async () => (await h.runtime.ctx.snoozes.active(keys)).size || undefined,
      'the snooze',
    );
    expect(snoozed).toBe(1);
    await digest();
    const latest = topLevel(U.alice).at(-1);
    expect(topLevel(U.alice)).toHaveLength(2);
    const shown = new Set(text(latest as never).match(/i-[0-9a-f]{17}/g));
    expect([built.ids.aliceReady, built.ids.aliceInUse].filter((id) => shown.has(id))).toHaveLength(1);
  });

  it('reports a team channel the bot cannot post to in the security channel instead of dropping it', async () => {
    built.fleet.addInstance({
      accountId: '454545454545',
      region: 'eu-west-1',
      launchTime: new Date(Date.now() - 40 * 86_400_000),
      tags: { Name: 'ghost-box', team: 'ghosts' },
    });
    await h.scan();
    await digest();
    await until(
      () =>
        topLevel(C.security).find(
          (m) => m.text.includes('Could not deliver') && m.text.includes('channel_not_found'),
        ),
      'the fallback notice',
    );
  });

  it('posts a regression at once to its owner only', async () => {
    const fixed = built.fleet.instance(built.ids.fixed);
    if (!fixed) throw new Error('no instance');
    fixed.metadata.httpTokens = 'optional';
    await h.scan();
    const carolBefore = topLevel(U.carol).length;
    const job = await h.runtime.tasks.add({
      kind: 'digest',
      trigger: { kind: 'scan', by: 'test' },
      onlyRegressions: true,
    });
    await until(async () => (await job.getState()) === 'completed', 'regression digest');
    const latest = await until(
      () => topLevel(U.alice).find((m) => text(m).includes(built.ids.fixed)),
      'the regression in alice’s DM',
    );
    expect(text(latest)).toContain(built.ids.fixed);
    expect(topLevel(U.carol)).toHaveLength(carolBefore);
  });

  it('publishes an App Home with the user’s laggards', async () => {
    await h.event({ type: 'app_home_opened', user: U.alice, tab: 'home', channel: 'D0ALICE01' });
    const view = await until(() => h.slack.homeView(U.alice), 'the home view');
    expect(JSON.stringify(view)).toContain(built.ids.fixed); // alice's, unsnoozed
    expect(JSON.stringify(view)).not.toContain(built.ids.carol);
  });

  it('wakes ended snoozes once: the owner hears about the instance again', async () => {
    const later = new Date(Date.now() + 8 * 86_400_000);
    const ctx = { ...h.runtime.ctx, now: () => later };
    const before = topLevel(U.alice).length;
    expect(await wakeSnoozes(ctx)).toBe(1);
    expect(await wakeSnoozes(ctx)).toBe(0);
    await until(() => topLevel(U.alice).find((m) => m.text.includes('snooze on')), 'the wake-up message');
    expect(topLevel(U.alice).length).toBe(before + 1);
  });

  it('imds-bot digest posts on demand from the command line', async () => {
    built.fleet.addInstance({
      accountId: '454545454545',
      region: 'eu-west-1',
      launchTime: new Date(Date.now() - 40 * 86_400_000),
      tags: { Name: 'carol-two', Owner: U.carol },
    });
    await h.scan();
    const carolBefore = topLevel(U.carol).length;
    const env = {
      ...(process.env as Record<string, string>),
      REDIS_URL: h.app.config.redisUrl,
      IMDS_BOT_PREFIX: h.app.config.prefix,
      LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: h.slack.botToken,
      SLACK_SIGNING_SECRET: h.slack.signingSecret,
      SLACK_API_URL: h.slack.url,
      WORKFLOW_FILE: workflowFile(),
    };
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'digest'], {
      env,
    }).catch((e: { stderr: string; stdout: string }) => {
      throw new Error(`digest failed: ${e.stderr}`);
    });
    expect(stderr).toMatch(/digest\(s\) to post/);
    expect(stderr).toContain('done');
    expect(topLevel(U.carol).length).toBe(carolBefore + 1);
  });
});
