import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDue } from '../../src/app/change/decide.js';
import type { AuditEntry } from '../../src/domain/change/audit-chain.js';
import { C, changeControlWorkflow, slackFleet, slackSeed, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

interface Rendered {
  actionId: string;
  value: string | undefined;
  url: string | undefined;
}

/** Every element with an action_id in some blocks (buttons, link buttons, inputs, selects). */
function renderedActions(blocks: unknown): Rendered[] {
  const found: Rendered[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.action_id === 'string')
        found.push({
          actionId: o.action_id,
          value: typeof o.value === 'string' ? o.value : undefined,
          url: typeof o.url === 'string' ? o.url : undefined,
        });
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return found;
}

/** Every interaction the bot offers is answered, and only those who may act are invited to. */
describe('every interaction is answered', () => {
  let h: SlackHarness;
  const built = slackFleet();

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, changeControlWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const command = async (text: string, user: string, n = 1) => {
    const r = await h.command(text, user, C.general);
    return JSON.stringify(await until(() => responses(h, r.responseUrl)[n - 1], `response to ${text}`));
  };
  const requestIdIn = (text: string) => /cr-[0-9a-f]{12}/.exec(text)?.[0] ?? '';
  const card = (id: string) =>
    until(
      () => h.slack.messagesIn(C.security).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id)),
      `card of ${id}`,
    );
  const idle = () =>
    until(async () => {
      const counts = await Promise.all([
        h.runtime.tasks.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
        h.runtime.tasks.interactive.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
        h.runtime.out.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
      ]);
      return counts.every((c) => Object.values(c).every((n) => n === 0));
    }, 'the queues to drain');
  const clickCard = async (action: 'approve' | 'deny' | 'rollback', id: string, user: string) => {
    const c = await card(id);
    const url = h.slack.state.newResponseUrl({ channel: C.security, user });
    const res = await h.click({
      user: { id: user },
      actions: [{ action_id: `imds_cr_${action}`, value: id }],
      channel: { id: C.security },
      message: { ts: c.ts },
      response_url: url,
    });
    return { url, status: res.status };
  };
  const reply = async (url: string) => JSON.stringify(await until(() => responses(h, url)[0], 'the reply'));
  const refusals = async (): Promise<AuditEntry[]> =>
    (await h.runtime.ctx.audit.recent({ limit: 200 })).filter((e) => e.type === 'refused');
  const opened = () => h.slack.calls('views.open').length;

  it('acknowledges every action of every message, card, alert and Home tab the bot renders', async () => {
    // render each kind: digests, a request card, an applied change's rejection alert, App Home
    const job = await h.runtime.tasks.add({
      kind: 'digest',
      trigger: { kind: 'cli', by: 'test' },
      onlyRegressions: false,
    });
    await until(async () => (await job.getState()) === 'completed', 'digest planned');
    const applied = requestIdIn(await command(`enforce ${built.ids.aliceReady}`, U.alice));
    await clickCard('approve', applied, U.approver);
    await until(
      async () =>
        (await h.runtime.ctx.change.requests.get(applied))?.state === 'applied' ? true : undefined,
      'the applied change',
    );
    requestIdIn(await command(`enforce ${built.ids.carol}`, U.carol));
    await h.runtime.tasks.add({
      kind: 'rejections',
      items: [
        {
          accountId: '454545454545',
          region: 'eu-west-1',
          instanceId: built.ids.aliceReady,
          count: 3,
          lastSeen: null,
        },
      ],
    });
    await h.event({ type: 'app_home_opened', user: U.alice, tab: 'home' });
    await idle();

    const rendered = [
      ...h.slack.calls('chat.postMessage').map((c) => c.args.blocks),
      ...h.slack.calls('chat.update').map((c) => c.args.blocks),
      ...h.slack.calls('views.publish').map((c) => (c.args.view as { blocks?: unknown })?.blocks),
      ...h.slack.state.responseUses().map((u) => (u.body as { blocks?: unknown }).blocks),
    ].flatMap(renderedActions);
    const kinds = new Set(rendered.map((r) => r.actionId.replace(/_\d+$/, '')));
    expect([...kinds]).toEqual(
      expect.arrayContaining([
        'imds_enforce',
        'imds_snooze',
        'imds_ack',
        'imds_console',
        'imds_cr_approve',
        'imds_cr_rollback',
      ]),
    );
    const unique = [...new Map(rendered.map((r) => [`${r.actionId}|${r.value}|${r.url}`, r])).values()];
    const answers = await Promise.all(
      unique.map((r) =>
        h.click({
          user: { id: U.mallory },
          actions: [{ action_id: r.actionId, ...(r.value === undefined ? {} : { value: r.value }) }],
          channel: { id: C.general },
          message: { ts: '1700000000.000100' },
          response_url: h.slack.state.newResponseUrl({ channel: C.general, user: U.mallory }),
        }),
      ),
    );
    expect(answers.map((a, i) => `${unique[i]?.actionId}: ${a.status}`)).toEqual(
      unique.map((r) => `${r.actionId}: 200`),
    );
  });

  it('answers a view_submission the bot did not write with an error in the modal', async () => {
    const forged = ['not json', '{"ref":42}', JSON.stringify({ action: 'approve', asks: 'nope' })];
    for (const callback of ['imds_snooze', 'imds_cr_decision', 'imds_something_else']) {
      for (const metadata of forged) {
        const r = await h.submit({
          user: { id: U.approver },
          view: {
            callback_id: callback,
            private_metadata: metadata,
            blocks: [{ type: 'input', block_id: 'text' }],
            state: {
              values: { text: { value: { type: 'plain_text_input', value: 'a long enough reason text' } } },
            },
          },
        });
        expect(r.status).toBe(200);
        expect(JSON.parse(r.text)).toMatchObject({
          response_action: 'errors',
          errors: { text: expect.stringContaining('not from imds-bot') },
        });
      }
    }
    // a confirmation modal has no field to carry the error: the modal is replaced by one that says so
    const bare = await h.submit({
      user: { id: U.approver },
      view: { callback_id: 'imds_cr_decision', private_metadata: 'not json', blocks: [] },
    });
    expect(JSON.parse(bare.text)).toMatchObject({ response_action: 'update' });
    expect(bare.text).toContain('not from imds-bot');
  });

  it('opens Approve, Deny and Rollback modals only for those who may submit them; refusals say who can, and are audited', async () => {
    const inUse = requestIdIn(await command(`enforce ${built.ids.aliceInUse}`, U.alice)); // approval asks an override
    const before = opened();
    const approve = await clickCard('approve', inUse, U.mallory);
    expect(await reply(approve.url)).toMatch(/Only approvers \(<@U0APPR001>/);
    const deny = await clickCard('deny', inUse, U.mallory);
    expect(await reply(deny.url)).toMatch(/Only approvers .* or the requester \(<@U0ALICE01>\)/);
    const rollback = await clickCard('rollback', inUse, U.alice);
    expect(await reply(rollback.url)).toMatch(/Only approvers .* can request a rollback/);
    expect(opened()).toBe(before);
    // those who may still get their modal
    await clickCard('approve', inUse, U.approver);
    await until(() => opened() === before + 1 || undefined, 'the override modal');
    const audited = (await refusals()).filter((e) => e.requestId === inUse);
    expect(
      audited.map((e) => [('userId' in e.actor && e.actor.userId) || '', e.reason?.split(' (')[0]]),
    ).toEqual(
      expect.arrayContaining([
        [U.mallory, 'approve refused'],
        [U.mallory, 'deny refused'],
        [U.alice, 'rollback refused'],
      ]),
    );
    expect(audited.every((e) => e.target.resource === built.ids.aliceInUse)).toBe(true);
  });

  it('audits self-approval, forged button values and approvals of an expired request: who, what, why', async () => {
    const own = requestIdIn(await command(`enforce ${built.ids.nobody}`, U.approver));
    expect(await reply((await clickCard('approve', own, U.approver)).url)).toContain('yourself');
    const url = h.slack.state.newResponseUrl({ channel: C.security, user: U.approver2 });
    await h.click({
      user: { id: U.approver2 },
      actions: [{ action_id: 'imds_cr_approve', value: 'cr-forged000000' }],
      channel: { id: C.security },
      message: { ts: '1700000000.000200' },
      response_url: url,
    });
    expect(await reply(url)).toContain('stale or forged');
    const cardUrl = h.slack.state.newResponseUrl({ channel: C.general, user: U.alice });
    await h.click({
      user: { id: U.alice },
      actions: [{ action_id: 'imds_enforce_0', value: 'forged-ref-123456' }],
      channel: { id: C.general },
      message: { ts: '1700000000.000300' },
      response_url: cardUrl,
    });
    expect(await reply(cardUrl)).toContain('not from a current imds-bot card');
    const later = new Date(Date.now() + 30 * 86_400_000);
    await expireDue({ ...h.runtime.ctx.change, now: () => later });
    expect((await h.runtime.ctx.change.requests.get(own))?.state).toBe('expired');
    expect(await reply((await clickCard('approve', own, U.approver2)).url)).toContain('expired');

    const entries = await refusals();
    const row = (e: AuditEntry) => ({
      who: 'userId' in e.actor ? e.actor.userId : e.actor.system,
      target: e.target.resource,
      why: e.reason,
    });
    expect(entries.map(row)).toEqual(
      expect.arrayContaining([
        {
          who: U.approver,
          target: built.ids.nobody,
          why: expect.stringMatching(/^approve refused \(self-approval\)/),
        },
        {
          who: U.approver2,
          target: 'cr-forged000000',
          why: expect.stringMatching(/^approve refused \(unknown-request\)/),
        },
        {
          who: U.alice,
          target: 'ref:forged-ref-123456',
          why: expect.stringMatching(/^enforce refused \(unknown-button\)/),
        },
        {
          who: U.approver2,
          target: built.ids.nobody,
          why: expect.stringMatching(/^approve refused \(not-pending\).*expired/),
        },
      ]),
    );
    expect((await h.runtime.ctx.audit.verify()).ok).toBe(true);
  });

  it('posts the chart of a private /imds report to the asker only', async () => {
    const r = await h.command('report', U.sec, C.security);
    expect(JSON.stringify(await until(() => responses(h, r.responseUrl)[0], 'the report'))).toContain(
      'IMDSv2 migration',
    );
    const file = await until(() => h.slack.files().find((f) => f.filename === 'imds-trend.png'), 'the chart');
    expect(file.channel_id).toBe(h.slack.state.dmIdFor(U.sec));
    expect(h.slack.messagesIn(C.security).some((m) => m.files.length > 0)).toBe(false);
  });
});
