import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_QUEUE } from '../../src/adapters/queue/changes.js';
import { redisKeys } from '../../src/adapters/redis/keys.js';
import { resumeStuck } from '../../src/app/change/resume.js';
import { testEnv } from '../support/harness.js';
import { addTemplatedGroup, addWebTemplate, refreshWorkflow, requestIdIn } from '../support/refresh-fleet.js';
import { clickApprove, commandReply, requestCardOf } from '../support/request-card.js';
import { ACCOUNT, REGION, slackFleet, slackSeed, U } from '../support/slack-fixtures.js';
import { type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/**
 * The job that reads DescribeInstanceRefreshes for a refresh's card is lost (deleted from BullMQ,
 * as a Redis restart without persistence would): the card stood still forever. The sweeper now
 * queues it again, and the card follows the refresh to its end. So does a poll job that failed for
 * good (Auto Scaling refused every read of its attempts): the next sweep queues the next read.
 */
describe('a lost refresh poll job', () => {
  let h: SlackHarness;
  let queue: Queue;
  const env = testEnv();
  const built = slackFleet();
  const at = { accountId: ACCOUNT, region: REGION };
  const lt = addWebTemplate(built.fleet, at, { fixed: true });
  addTemplatedGroup(built.fleet, at, lt.launchTemplateId, 'web-asg');
  addTemplatedGroup(built.fleet, at, lt.launchTemplateId, 'api-asg');
  built.fleet.refreshes.stepMs = 200;

  beforeAll(async () => {
    const workflow = refreshWorkflow({ pollSeconds: 3 });
    h = await startSlackHarness(built.fleet, workflow, slackSeed(), 'http', {}, env);
    queue = new Queue(CHANGE_QUEUE, {
      prefix: redisKeys(env.IMDS_BOT_PREFIX ?? '').bull,
      connection: h.app.connect('test-watch-queue'),
    });
    await h.scan();
  });
  afterAll(async () => {
    await queue?.close();
    await h?.close();
  });

  const cardText = (id: string) => JSON.stringify(requestCardOf(h, id)?.blocks ?? []);
  /** the sweep queues the watch again, the card reaches Successful, and the end is audited once */
  async function sweptToTheEnd(id: string) {
    expect(await resumeStuck(h.runtime.ctx.change)).toBe(1);
    await until(() => cardText(id).includes('Successful'), 'Successful on the card', 30_000);
    const finished = (await h.runtime.ctx.audit.recent({ limit: 200 })).filter(
      (e) => e.requestId === id && e.type === 'finished',
    );
    expect(finished).toHaveLength(1);
    return finished;
  }

  it('the sweep queues it again; the card goes on to Successful and the end is audited', async () => {
    const id = requestIdIn(await commandReply(h, `refresh web-asg ${ACCOUNT} ${REGION}`, U.sec));
    if (!id) throw new Error('not filed');
    await clickApprove(h, id, U.approver);
    const poll = await until(
      async () => (await queue.getDelayed()).find((j) => j.id?.startsWith(`watch-${id}-`)),
      'the first poll job',
    );
    await poll.remove(); // lost
    expect(await h.runtime.ctx.change.jobs.jobState(poll.id ?? '')).toBe('missing');
    await new Promise((r) => setTimeout(r, 3500)); // past the lost job's time: nothing happened
    expect(cardText(id)).not.toContain('Successful');

    const finished = await sweptToTheEnd(id);
    expect(finished[0]?.after).toMatchObject({ status: 'Successful', percentageComplete: 100 });
    expect(await resumeStuck(h.runtime.ctx.change)).toBe(0); // ended: nothing more to follow
  });

  it('a poll job that failed for good: the sweep queues the next read, and the card still reaches its end', async () => {
    const id = requestIdIn(await commandReply(h, `refresh api-asg ${ACCOUNT} ${REGION}`, U.sec));
    if (!id) throw new Error('not filed');
    await clickApprove(h, id, U.approver);
    await until(
      async () => ((await h.runtime.ctx.change.requests.get(id))?.state === 'applied' ? true : undefined),
      'applied',
    );
    // every read of the refresh is refused from now on, until the fault is lifted
    h.emulator.setOperationFault('autoscaling:DescribeInstanceRefreshes', 'access-denied');
    let failed: string | undefined;
    try {
      failed = await until(
        async () => (await queue.getFailed()).find((j) => j.id?.startsWith(`watch-${id}-`))?.id,
        'the poll job failed for good',
        60_000,
      );
    } finally {
      h.emulator.setOperationFault('autoscaling:DescribeInstanceRefreshes', null);
    }
    expect(await h.runtime.ctx.change.jobs.jobState(failed ?? '')).toBe('ended');
    expect(cardText(id)).not.toContain('Successful');

    await sweptToTheEnd(id);
    expect(await resumeStuck(h.runtime.ctx.change)).toBe(0);
  }, 120_000);
});
