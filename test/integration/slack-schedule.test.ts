import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackFleet, slackSeed, slackWorkflow, U } from '../support/slack-fixtures.js';
import { type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/** The digest cron is a BullMQ job scheduler: no command needed for owners to hear. */
describe('scheduled digests', () => {
  let h: SlackHarness;
  const built = slackFleet();
  beforeAll(async () => {
    h = await startSlackHarness(
      built.fleet,
      slackWorkflow({ schedules: { digest: { cron: '*/2 * * * * *', timezone: 'Europe/Berlin' } } }),
      slackSeed(),
    );
    await h.scan();
  });
  afterAll(async () => h?.close());

  it('registers the schedule once and posts the digests when it fires', async () => {
    const schedulers = await h.runtime.tasks.queue.getJobSchedulers();
    expect(schedulers).toEqual([
      expect.objectContaining({ key: 'digest', pattern: '*/2 * * * * *', tz: 'Europe/Berlin' }),
    ]);
    const dm = await until(
      () => h.slack.messagesIn(U.alice).find((m) => !m.thread_ts),
      'a scheduled digest',
      15_000,
    );
    expect(JSON.stringify(dm.blocks)).toContain(built.ids.aliceReady);
  });
});

describe('scheduled digests limited to non-production (schedules.digest.env: nonprod)', () => {
  let h: SlackHarness;
  const built = slackFleet();
  beforeAll(async () => {
    h = await startSlackHarness(
      built.fleet,
      slackWorkflow({ schedules: { digest: { cron: '0 9 * * 1-5', env: 'nonprod' } } }),
      slackSeed(),
    );
  });
  afterAll(async () => h?.close());

  it('the scheduler carries env nonprod to every digest job it adds', async () => {
    const scheduler = await h.runtime.tasks.queue.getJobScheduler('digest');
    expect(scheduler?.template?.data).toEqual({
      kind: 'digest',
      trigger: { kind: 'schedule', by: null },
      onlyRegressions: false,
      env: 'nonprod',
    });
  });
});
