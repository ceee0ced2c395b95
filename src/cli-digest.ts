import { Job } from 'bullmq';
import { loadSlackConfig } from './config/slack-env.js';
import type { App } from './main.js';
import { startSlack } from './slack/runtime.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `imds-bot digest`: the per-owner digests now (on demand), from the latest scans, with this
 * process's Slack workers; returns once every message is delivered.
 */
export async function digestCommand(app: App, err: NodeJS.WritableStream): Promise<number> {
  const slack = await startSlack(app, loadSlackConfig(process.env), { listen: false });
  const failedBefore = (await slack.out.queue.getJobCounts('failed')).failed ?? 0;
  const added = await slack.tasks.add({
    kind: 'digest',
    trigger: { kind: 'cli', by: process.env.USER ?? null },
    onlyRegressions: false,
  });
  for (;;) {
    const job = added.id ? await Job.fromId(slack.tasks.queue, added.id) : null;
    const state = await job?.getState();
    if (state === 'failed') {
      err.write(`the digest could not be planned: ${job?.failedReason ?? 'unknown error'}\n`);
      return 1;
    }
    if (state === 'completed') {
      const planned = job?.returnvalue as { planned: number; owners: number };
      err.write(`${planned.planned} digest(s) to post for ${planned.owners} owner(s); delivering…\n`);
      break;
    }
    await sleep(250);
  }
  for (;;) {
    const c = await slack.out.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
    if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0) {
      const failed = (c.failed ?? 0) - failedBefore;
      err.write(`done${failed > 0 ? `; ${failed} delivery job(s) failed for good (see the logs)` : ''}\n`);
      return failed > 0 ? 1 : 0;
    }
    await sleep(500);
  }
}
