import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../sandbox/redis-server.js';
import { testEnv } from '../support/harness.js';
import { C, changeControlWorkflow, slackFleet, slackSeed, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

const MODIFY = 'ec2:ModifyInstanceMetadataOptions';

/**
 * Seen: with AOF off, a Redis restart mid-bulk lost the request; the approvers' card stayed
 * "Applying…" forever. Here a real Redis without AOF is killed -9 and started again while a
 * request is applying (its AWS call held up); the next click of its card says the bot no longer
 * knows the request and offers a re-scan.
 */
describe('the card of a request Redis lost', () => {
  let redis: RedisServer;
  let h: SlackHarness;
  const built = slackFleet();

  beforeAll(async () => {
    redis = await startRedisServer(); // no AOF: a kill -9 loses everything
    const env = { ...testEnv(), REDIS_URL: redis.url };
    h = await startSlackHarness(built.fleet, changeControlWorkflow(), slackSeed(), 'http', {}, env);
    await h.scan();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await redis?.stop();
  });

  const cardOf = (id: string, shows: RegExp) =>
    until(
      () =>
        h.slack
          .messagesIn(C.security)
          .find(
            (m) =>
              !m.thread_ts && JSON.stringify(m.blocks).includes(id) && shows.test(JSON.stringify(m.blocks)),
          ),
      `card of ${id} showing ${shows}`,
      30_000,
    );
  const click = async (actionId: string, id: string, ts: string, user: string) => {
    const url = h.slack.state.newResponseUrl({ channel: C.security, user, messageTs: ts });
    await h.click({
      user: { id: user },
      actions: [{ action_id: actionId, value: id }],
      channel: { id: C.security },
      message: { ts },
      response_url: url,
    });
    return url;
  };

  it('an "Applying…" card offers a status check; once Redis lost the request, the card says so and offers a re-scan', async () => {
    h.emulator.setActionLatency(MODIFY, 4000);
    const r = await h.command(`enforce ${built.ids.aliceReady}`, U.alice, C.general);
    const filed = JSON.stringify(await until(() => responses(h, r.responseUrl)[0], 'the request'));
    const id = /cr-[0-9a-f]{12}/.exec(filed)?.[0] ?? '';
    const waiting = await cardOf(id, /Waiting for approval/);
    await click('imds_cr_approve', id, waiting.ts, U.approver);
    const applying = await cardOf(id, /Applying…/);
    expect(JSON.stringify(applying.blocks)).toContain('imds_cr_status');

    await redis.kill();
    await redis.start();
    expect(await h.runtime.ctx.change.requests.get(id)).toBeNull();

    await click('imds_cr_status', id, applying.ts, U.approver);
    const lost = await cardOf(id, /no longer knows/);
    const text = JSON.stringify(lost.blocks);
    expect(text).toContain('/imds scan');
    expect(text).not.toContain('Applying…');
    expect(text).not.toContain('imds_cr_status');
  }, 90_000);
});
