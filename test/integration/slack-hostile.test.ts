import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { checkBlockKitLimits, checkMessageText } from '../../src/adapters/slack/blocks/limits.js';
import { HOSTILE, liveMarkup } from '../support/markup.js';
import {
  ACCOUNT,
  C,
  REGION,
  SECURITY_GROUP,
  slackSeed,
  slackWorkflow,
  U,
} from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/**
 * Hostile strings (mentions, broadcasts, links, formatting, 3,000 characters, bidi and separator
 * characters) in tags, reasons and notes, through every kind of message the bot posts; nothing the
 * bot sends may carry live markup, and every message stays within Block Kit's limits.
 */

const DAY = 86_400_000;
/** What Slack does to typed text before it reaches a slash command. */
const typed = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const rules = {
  ids: new Set([...Object.values(U), ...Object.values(C), SECURITY_GROUP]),
  // the bot's own citations (src/domain/fixes/versions.ts) besides the console and Slack
  linkHosts: [`${REGION}.console.aws.amazon.com`, 'slack.com', 'docs.aws.amazon.com', 'github.com'],
};
const SENDS = [
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'views.open',
  'views.publish',
  'response_url',
];

describe('hostile text through every message the bot posts', () => {
  let h: SlackHarness;
  const fleet = new Fleet({ seed: 8 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 40 * DAY) };
  // unroutable owners: the security channel's digest and its "Why these are here"
  for (const v of HOSTILE) fleet.addInstance({ ...at, tags: { Name: v, Owner: v } });
  // alice's: her digest, App Home, status, enforce, snooze, ack, the rejection alert
  const mine = HOSTILE.slice(0, 6).map(
    (v, i) =>
      fleet.addInstance({
        ...at,
        tags: { Name: v, Owner: 'alice@example.com' },
        ...(i % 2 === 0 ? { usage: { kind: 'steady' as const, callsPerHour: 5 } } : {}),
      }).instanceId,
  );
  const acks: string[] = [];

  beforeAll(async () => {
    h = await startSlackHarness(fleet, slackWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const command = async (text: string, user: string) => {
    const r = await h.command(text, user, C.general);
    acks.push(r.text);
    return r;
  };
  const answered = (url: string, what: string) => until(() => responses(h, url)[0], what, 30_000);

  it('posts nothing live, and every message fits', async () => {
    await h.runtime.tasks.add({ kind: 'digest', trigger: { kind: 'cli', by: null }, onlyRegressions: false });
    await until(
      () => h.slack.messagesIn(C.security).find((m) => m.text.includes('digest')),
      'security digest',
    );

    const reason = HOSTILE[0] ?? '';
    const enforce = await command(`enforce ${mine[1]} ${typed(reason)}`, U.alice);
    const id =
      /cr-[0-9a-f]{12}/.exec(JSON.stringify(await answered(enforce.responseUrl, 'enforce')))?.[0] ?? '';
    expect(id).not.toBe('');
    const card = await until(
      () => h.slack.messagesIn(C.security).find((m) => JSON.stringify(m.blocks).includes(id)),
      'the approvers card',
    );
    for (const v of HOSTILE.slice(1, 4)) {
      await h.runtime.tasks.add({
        kind: 'cr-decision',
        action: 'deny',
        requestId: id,
        user: { id: U.approver, name: 'appr' },
        channelId: C.security,
        responseUrl: null,
        reason: v,
      });
    }
    await until(
      () => h.slack.messagesIn(C.security).some((m) => m.thread_ts === card.ts),
      'the denial thread',
    );

    const replies = [
      await command(`snooze ${mine[0]} 3d ${typed(HOSTILE[5] ?? '')}`, U.alice),
      await command(`ack ${mine[2]} ${typed(HOSTILE[6] ?? '')}`, U.alice),
      await command(`status ${mine[0]}`, U.alice),
      await command(`status ${ACCOUNT}`, U.sec),
      await command('owners', U.sec),
      await command('report', U.sec),
      await command('audit', U.sec),
      await command(`rollback ${mine[3]} ${typed(HOSTILE[7] ?? '')}`, U.approver),
    ];
    for (const r of replies) await answered(r.responseUrl, 'a command reply');
    for (const text of [
      'help',
      'help enforce',
      'fix-default 1',
      `enforce ${typed('<!here>')}`,
      `scan ${typed('<!channel>')}`,
      typed('<@U123> x'),
    ])
      await command(text, U.alice);
    await h.runtime.tasks.add({
      kind: 'rejections',
      items: [
        { accountId: ACCOUNT, region: REGION, instanceId: mine[4] ?? '', count: 3_333_306, lastSeen: null },
      ],
    });
    await until(
      () => h.slack.messagesIn(C.security).find((m) => m.text.includes('3,333,306')),
      'the rejection alert',
    );
    await h.event({ type: 'app_home_opened', user: U.alice, tab: 'home', channel: 'D0ALICE01' });
    await h.event({ type: 'app_home_opened', user: U.approver, tab: 'home', channel: 'D0APPR001' });
    await until(() => h.slack.homeView(U.alice) && h.slack.homeView(U.approver), 'the Home tabs');

    const sent = h.slack.calls().filter((c) => SENDS.includes(c.method));
    const problems = sent.flatMap((c, i) => {
      const args = c.args as { text?: string; blocks?: unknown[]; view?: { blocks?: unknown[] } };
      const blocks = args.blocks ?? args.view?.blocks ?? [];
      return [
        ...liveMarkup(args, rules, `${c.method}#${i}`),
        ...checkBlockKitLimits(blocks).map((p) => `${c.method}#${i}: ${p}`),
        ...(typeof args.text === 'string' ? checkMessageText(args.text) : []),
      ];
    });
    const ackProblems = acks.flatMap((a, i) => (a ? liveMarkup(JSON.parse(a), rules, `ack#${i}`) : []));

    expect([...problems, ...ackProblems]).toEqual([]);
    expect(new Set(sent.map((c) => c.method))).toEqual(
      new Set(SENDS.filter((m) => m !== 'views.open' && m !== 'chat.postEphemeral')),
    );
    const all = JSON.stringify(sent.map((c) => c.args));
    expect(all).toContain('Requested by <@U0ALICE01>: &lt;!channel&gt; please look');
    expect(all).toContain('&lt;https://evil.example|click&gt;');
    expect(all).toContain('3,333,306');
  }, 120_000);
});
