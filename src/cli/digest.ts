import { Job } from 'bullmq';
import { z } from 'zod';
import type { App } from '../main.js';

/** what a digest task returns */
const Planned = z.object({ planned: z.number(), owners: z.number() });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `imds-bot digest`: the per-owner digests now (on demand), from the latest scans, with this
 * process's Slack workers; returns once every message is delivered. `--env nonprod`: only the
 * non-production laggards.
 */
export async function digestCommand(app: App, err: NodeJS.WritableStream, env?: 'nonprod'): Promise<number> {
  const slack = await app.startSlack({ listen: false });
  const failedBefore = (await slack.out.queue.getJobCounts('failed')).failed ?? 0;
  const added = await slack.tasks.add({
    kind: 'digest',
    trigger: { kind: 'cli', by: app.operator },
    onlyRegressions: false,
    ...(env ? { env } : {}),
  });
  const id = added.id ?? '';
  for (;;) {
    // the state first, then the job: a job read before it completed has no return value yet
    const state = await slack.tasks.queue.getJobState(id);
    if (state === 'failed' || state === 'unknown') {
      const job = await Job.fromId(slack.tasks.queue, id);
      err.write(`the digest could not be planned: ${job?.failedReason ?? 'the job is gone'}\n`);
      return 1;
    }
    if (state === 'completed') {
      const job = await Job.fromId(slack.tasks.queue, id);
      const planned = Planned.safeParse(job?.returnvalue);
      if (!planned.success) {
        err.write('the digest was planned, but its plan could not be read\n');
        return 1;
      }
      err.write(
        `${planned.data.planned} digest(s) to post for ${planned.data.owners} owner(s)${env ? ' (non-production laggards only)' : ''}; delivering…\n`,
      );
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
