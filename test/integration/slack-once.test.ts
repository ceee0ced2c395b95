import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockActionsBody,
  eventCallbackBody,
  slashCommandBody,
  viewSubmissionBody,
} from '../../sandbox/slack/signing.js';
import { C, changeControlWorkflow, slackFleet, slackSeed, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/**
 * Slack retries, and anyone holding a signed request can send it again within its five minutes:
 * the same delivery must change nothing the second time.
 */
describe('every command, click, submission and event counts once', () => {
  let h: SlackHarness;
  const built = slackFleet();

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, changeControlWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  /** The Slack queues have had nothing waiting or running for a while. */
  const settled = async () => {
    let idleSince = Date.now();
    await until(async () => {
      const counts = await Promise.all(
        [h.runtime.tasks.queue, h.runtime.tasks.interactive, h.runtime.out.queue].map((q) =>
          q.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
        ),
      );
      if (counts.some((c) => Object.values(c).some((n) => n > 0))) idleSince = Date.now();
      return Date.now() - idleSince > 750;
    }, 'the Slack queues to settle');
  };
  const audited = async (type: string, instanceId: string) =>
    (await h.runtime.ctx.audit.recent({ limit: 100, instanceId })).filter((e) => e.type === type).length;
  const requestFor = async (instanceId: string, user: string) => {
    const r = await h.command(`enforce ${instanceId} replay test`, user, C.general);
    const text = JSON.stringify(await until(() => responses(h, r.responseUrl)[0], 'the request'));
    const id = /cr-[0-9a-f]{12}/.exec(text)?.[0];
    if (!id) throw new Error(`no request id in ${text}`);
    const card = await until(
      () => h.slack.messagesIn(C.security).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id)),
      `card of ${id}`,
    );
    return { id, card };
  };

  it('a slash command sent twice is carried out once: one reply, one audit entry', async () => {
    const responseUrl = h.slack.state.newResponseUrl({ channel: C.general, user: U.alice });
    const body = slashCommandBody({
      text: `ack ${built.ids.aliceReady} agent upgrade planned`,
      user_id: U.alice,
      channel_id: C.general,
      response_url: responseUrl,
      trigger_id: h.slack.state.newTriggerId(),
    });
    const [first, again] = await Promise.all([h.send(body), h.send(body)]);
    expect([first.status, again.status]).toEqual([200, 200]);
    await until(() => responses(h, responseUrl)[0], 'the reply');
    expect((await h.send(body)).status).toBe(200);
    await settled();
    expect(responses(h, responseUrl)).toHaveLength(1);
    expect(await audited('acknowledged', built.ids.aliceReady)).toBe(1);
  });

  it('an Approve click sent twice approves once and answers once', async () => {
    const { id, card } = await requestFor(built.ids.carol, U.carol);
    const responseUrl = h.slack.state.newResponseUrl({ channel: C.security, user: U.approver });
    const body = blockActionsBody({
      user: { id: U.approver },
      actions: [{ action_id: 'imds_cr_approve', value: id }],
      channel: { id: C.security },
      message: { ts: card.ts },
      response_url: responseUrl,
      trigger_id: h.slack.state.newTriggerId(),
    });
    await h.send(body);
    await until(() => responses(h, responseUrl)[0], 'the approval reply');
    expect((await h.send(body)).status).toBe(200);
    await settled();
    expect(responses(h, responseUrl)).toHaveLength(1);
    expect(await audited('approved', built.ids.carol)).toBe(1);
  });

  it('a modal submission sent twice decides once', async () => {
    const { id, card } = await requestFor(built.ids.payments, U.sec);
    const opensBefore = h.slack.calls('views.open').filter((c) => c.ok).length;
    const responseUrl = h.slack.state.newResponseUrl({ channel: C.security, user: U.approver });
    await h.click({
      user: { id: U.approver },
      actions: [{ action_id: 'imds_cr_deny', value: id }],
      channel: { id: C.security },
      message: { ts: card.ts },
      response_url: responseUrl,
    });
    const opened = await until(
      () => h.slack.calls('views.open').filter((c) => c.ok)[opensBefore],
      'the deny modal',
    );
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    const body = viewSubmissionBody({
      user: { id: U.approver },
      trigger_id: h.slack.state.newTriggerId(),
      view: {
        id: 'V0DENY001',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        state: { values: { text: { value: { type: 'plain_text_input', value: 'not during the freeze' } } } },
      },
    });
    expect((await h.send(body)).status).toBe(200);
    await until(async () => ((await audited('denied', built.ids.payments)) > 0 ? true : undefined), 'denial');
    expect((await h.send(body)).status).toBe(200);
    await settled();
    expect(await audited('denied', built.ids.payments)).toBe(1);
    expect(responses(h, responseUrl)).toHaveLength(1);
  });

  it("Slack's own retry of an event (X-Slack-Retry-Num) is acknowledged and not run again", async () => {
    const published = () => h.slack.calls('views.publish').filter((c) => c.args.user_id === U.carol).length;
    const body = eventCallbackBody({
      type: 'app_home_opened',
      user: U.carol,
      tab: 'home',
      channel: 'D0CAROL1',
    });
    expect((await h.send(body)).status).toBe(200);
    await until(() => published() === 1, 'the Home tab');
    const retry = await h.send(body, {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    await settled();
    expect(published()).toBe(1);
  });
});
