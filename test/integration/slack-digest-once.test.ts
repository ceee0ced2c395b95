import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, C, REGION, slackFleet, slackSeed, slackWorkflow, U } from '../support/slack-fixtures.js';
import { type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/**
 * Slack can post a message and still answer 5xx. A digest retried after such an answer must find
 * the message it already posted (its metadata carries the digest's id) instead of posting again.
 */
describe('a digest is posted once even when Slack answers 5xx after posting it', () => {
  let h: SlackHarness;
  const built = slackFleet();
  const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 40 * 86_400_000) };
  for (const owner of [U.sec, U.approver, U.approver2, U.mallory])
    built.fleet.addInstance({ ...at, tags: { Name: `box-${owner}`, Owner: owner } });
  /** alice, carol, sec, the two approvers and mallory by DM; the payments team; security (bob, nobody) */
  const destinations = [U.alice, U.carol, U.sec, U.approver, U.approver2, U.mallory, C.payments, C.security];
  const topLevel = (where: string) => h.slack.messagesIn(where).filter((m) => !m.thread_ts);

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, slackWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  it('with 7 ambiguous 5xx answers, every owner gets exactly one digest, and its card is that message', async () => {
    h.slack.script.failNext('chat.postMessage', { status: 500, times: 4, afterCall: true });
    h.slack.script.failNext('chat.postMessage', { status: 503, times: 3, afterCall: true });
    const job = await h.runtime.tasks.add({
      kind: 'digest',
      trigger: { kind: 'cli', by: 'test' },
      onlyRegressions: false,
    });
    await until(async () => (await job.getState()) === 'completed', 'the digest planned');
    await until(
      async () => {
        const c = await h.runtime.out.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(c).every((n) => n === 0);
      },
      'every digest delivered',
      60_000,
    );
    expect(h.slack.script.pending()).toBe(0);
    expect(h.slack.calls('chat.postMessage').filter((c) => c.status >= 500)).toHaveLength(7);
    expect(Object.fromEntries(destinations.map((d) => [d, topLevel(d).length]))).toEqual(
      Object.fromEntries(destinations.map((d) => [d, 1])),
    );
    const card = await h.runtime.ctx.cards.get(`digest:user:${U.alice}`);
    expect(card?.ts).toBe(topLevel(U.alice)[0]?.ts);
    expect((await h.runtime.out.queue.getJobCounts('failed')).failed).toBe(0);
  });
});
