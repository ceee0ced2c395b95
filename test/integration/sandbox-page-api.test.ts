import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxBot, startSandboxBot } from '../../sandbox/demo/compose.js';
import type { PageState } from '../../sandbox/web/types.js';
import { silentLogger } from '../../src/adapters/log.js';
import { testEnv } from '../support/harness.js';
import { C, changeControlWorkflow, slackFleet, slackSeed, U } from '../support/slack-fixtures.js';
import { until } from '../support/slack-harness.js';

const post = async (bot: SandboxBot, path: string, body: unknown) => {
  const res = await fetch(new URL(path, bot.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { ok: boolean; text: string };
};
const stateOf = async (bot: SandboxBot, user: string) =>
  (await (await fetch(new URL(`/sandbox/api/state?user=${user}`, bot.url))).json()) as PageState;

/** The page's API against the whole bot, the bot reached over Socket Mode (the browser test uses HTTP). */
describe.each(['socket', 'http'] as const)('the sandbox page API, the bot over %s', (mode) => {
  let bot: SandboxBot;
  const built = slackFleet();

  beforeAll(async () => {
    bot = await startSandboxBot({
      fleet: built.fleet,
      workflow: changeControlWorkflow(),
      slack: slackSeed(),
      roles: { [U.alice]: 'owner', [U.approver]: 'approver' },
      env: testEnv(),
      log: silentLogger(),
      mode,
    });
    const { scanId } = await bot.app.requestScan({ kind: 'cli', by: 'test' });
    await bot.app.waitForScan(scanId);
  });
  afterAll(async () => bot?.close());

  it('a slash command reaches the bot; its answer shows only to the one who typed it', async () => {
    expect(
      await post(bot, '/sandbox/api/command', { user: U.alice, channel: C.general, text: 'help' }),
    ).toEqual({
      ok: true,
      text: '',
    });
    const answer = await until(async () => {
      const s = await stateOf(bot, U.alice);
      return s.messages[C.general]?.find((m) => m.ephemeralFor === U.alice);
    }, 'the ephemeral answer');
    expect(answer.text + JSON.stringify(answer.blocks ?? [])).toContain('/imds');
    expect((await stateOf(bot, U.approver)).messages[C.general]?.some((m) => m.ephemeralFor)).toBe(false);
    // over Socket Mode the command went as an envelope the bot acknowledged; over HTTP, none was pushed
    const envelopes = bot.slack.socket.envelopes().filter((e) => e.type === 'slash_commands' && e.ack);
    expect(envelopes.length).toBe(mode === 'socket' ? 1 : 0);
  });

  it('demo users come first in the switcher, with their role', async () => {
    const s = await stateOf(bot, U.alice);
    expect(s.users.slice(0, 2)).toEqual([
      expect.objectContaining({ id: U.alice, role: 'owner' }),
      expect.objectContaining({ id: U.approver, role: 'approver' }),
    ]);
    expect(s.command).toMatchObject({ name: '/imds', usage_hint: expect.stringContaining('help') });
  });

  it("refuses a click on a message in someone else's DM, and a request that is not JSON", async () => {
    await bot.runtime.tasks.add({
      kind: 'digest',
      trigger: { kind: 'schedule', by: null },
      onlyRegressions: false,
    });
    const dm = bot.slack.state.dmIdFor(U.alice);
    const digest = await until(() => bot.slack.messagesIn(dm)[0], 'the digest');
    const click = { block_id: 'b0', action: { type: 'button', action_id: 'imds_ack_0', value: 'x' } };
    expect(
      await post(bot, '/sandbox/api/action', { ...click, user: U.approver, channel: dm, ts: digest.ts }),
    ).toEqual({
      ok: false,
      text: 'that is not yours to click',
    });
    const res = await fetch(new URL('/sandbox/api/command', bot.url), { method: 'POST', body: 'user=U1' });
    expect(res.status).toBe(415);
  });
});
