import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_LT,
  guardrailsFleet,
  guardrailsWorkflow,
  PROD,
  REGION,
  SANDBOX,
  WEB_LT,
} from '../support/guardrails-fleet.js';
import { C, slackSeed, U } from '../support/slack-fixtures.js';
import { type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/**
 * The Fix buttons of App Home's guardrails section, the whole bot: Bolt's HTTP receiver with signed
 * requests, the fake Slack, real Redis, the real SDK against the emulator. A Home click carries no
 * channel and no response_url: the request card goes to the approvers' channel and the requester
 * hears in their DM with the bot.
 */

type Button = { action_id: string; value: string; text: { text: string } };
type Block = { type: string; accessory?: Button };

describe('App Home guardrails Fix buttons', () => {
  let h: SlackHarness;
  const g = guardrailsFleet();

  beforeAll(async () => {
    h = await startSlackHarness(g.fleet, guardrailsWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  /** Opens the Home tab as Slack does and waits for the view the bot publishes. */
  const openHome = async (user: string) => {
    const before = h.slack.calls('views.publish').filter((c) => c.args.user_id === user).length;
    await h.event({ type: 'app_home_opened', user, tab: 'home', channel: h.slack.state.dmIdFor(user) });
    await until(
      () => h.slack.calls('views.publish').filter((c) => c.args.user_id === user).length > before,
      `the Home tab of ${user}`,
    );
    return until(() => h.slack.state.homeView(user), 'the stored Home view');
  };
  const buttonsOf = (blocks: unknown[]) =>
    (blocks as Block[]).flatMap((b) =>
      b.accessory?.action_id.startsWith('imds_gfix_') ? [b.accessory] : [],
    );
  const dms = (user: string) => h.slack.messagesIn(user).map((m) => m.text ?? '');
  /** Clicks a button of the user's Home tab as Slack sends it: a view container, no channel, no response_url. */
  const clickOnHome = async (user: string, button: { action_id: string; value: string }) => {
    const view = await until(() => h.slack.state.homeView(user), 'the Home view');
    const r = await h.click({
      user: { id: user },
      actions: [{ action_id: button.action_id, value: button.value }],
      view: { id: view.id, type: 'home', blocks: view.blocks },
    });
    expect(r.status).toBe(200);
  };
  const nextDm = async (user: string, seen: number) =>
    until(() => dms(user)[seen], `DM ${seen + 1} to ${user}`);

  it('shows the same Fix buttons as /imds guardrails to security, and none to others', async () => {
    const home = await openHome(U.sec);
    expect(buttonsOf(home.blocks).map((b) => [b.text.text, b.value])).toEqual([
      ['Fix default', `default:${SANDBOX}:${REGION}`],
      ['Fix template', `template:${SANDBOX}:${REGION}:${BATCH_LT}`],
      ['Fix template', `template:${SANDBOX}:${REGION}:${WEB_LT}`],
    ]);
    expect(new Set(buttonsOf(home.blocks).map((b) => b.action_id)).size).toBe(3);
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    const other = await openHome(U.mallory);
    expect(buttonsOf(other.blocks)).toEqual([]);
    expect(JSON.stringify(other.blocks)).not.toContain('imds_gfix_');
  });

  it('a Fix template click on Home files the request: its card in the approvers channel, the requester told by DM', async () => {
    const home = await openHome(U.sec);
    const button = buttonsOf(home.blocks).find((b) => b.value.endsWith(BATCH_LT));
    expect(button).toBeDefined();
    const seen = dms(U.sec).length;
    await clickOnHome(U.sec, button as Button);
    const dm = await nextDm(U.sec, seen);
    const id = /cr-[0-9a-f]{12}/.exec(dm)?.[0] ?? '';
    expect(dm).toContain(`Requested ${id}`);
    expect(await h.runtime.ctx.change.requests.get(id)).toMatchObject({
      kind: 'launch-template-fix',
      state: 'requested',
      requestedBy: { userId: U.sec },
      target: { accountId: SANDBOX, region: REGION, launchTemplateId: BATCH_LT },
    });
    await until(
      () => h.slack.messagesIn(C.security).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id)),
      'the request card in the approvers channel',
    );
  });

  it('a double click on Home files one request; the second click is told which one is open', async () => {
    const home = await openHome(U.sec);
    const button = buttonsOf(home.blocks).find((b) => b.value.startsWith('default:')) as Button;
    const seen = dms(U.sec).length;
    await Promise.all([clickOnHome(U.sec, button), clickOnHome(U.sec, button)]);
    await nextDm(U.sec, seen + 1);
    const answers = dms(U.sec).slice(seen);
    const filed = await h.runtime.ctx.change.requests.forTarget(SANDBOX, REGION, 'account-default');
    expect(filed.filter((cr) => cr.kind === 'account-default')).toHaveLength(1);
    const id = filed[0]?.id ?? '';
    expect(answers.filter((a) => a.includes(`Requested ${id}`))).toHaveLength(1);
    expect(answers.filter((a) => a.includes(`Not filed: ${id}`) && a.includes('already open'))).toHaveLength(
      1,
    );
  });

  it('a forged or stale button value clicked on Home is refused by DM with a clear message', async () => {
    await openHome(U.sec);
    let seen = dms(U.sec).length;
    await clickOnHome(U.sec, {
      action_id: 'imds_gfix_0',
      value: `template:${SANDBOX}:${REGION}:lt-<script>`,
    });
    expect(await nextDm(U.sec, seen)).toContain('not from a current imds-bot guardrails report');
    expect(JSON.stringify(await h.runtime.ctx.audit.recent({ limit: 20 }))).toContain('unknown-button');
    seen += 1;
    await clickOnHome(U.sec, { action_id: 'imds_gfix_0', value: `default:${PROD}:${REGION}` });
    expect(await nextDm(U.sec, seen)).toContain('no longer allows IMDSv1');
    expect(await h.runtime.ctx.change.requests.forTarget(PROD, REGION, 'account-default')).toEqual([]);
    const other = dms(U.mallory).length;
    await clickOnHome(U.mallory, {
      action_id: 'imds_gfix_2',
      value: `template:${SANDBOX}:${REGION}:${WEB_LT}`,
    });
    expect(await nextDm(U.mallory, other)).toContain('Only security');
    expect(await h.runtime.ctx.change.requests.forTarget(SANDBOX, REGION, WEB_LT)).toEqual([]);
  });
});
