import { routeChannel } from '../../../app/digest/plan-digests.js';
import { code, md, notification, user } from '../text.js';
import type { TaskContext } from './context.js';

/** Snoozes that ended: the owner hears about the instance again, once (markWoken claims it). */
export async function wakeSnoozes(ctx: TaskContext): Promise<number> {
  const due = await ctx.snoozes.dueForWakeUp(ctx.now(), 200);
  let told = 0;
  for (const s of due) {
    if (!(await ctx.snoozes.markWoken(s.key, s.until))) continue;
    const f = await ctx.findings.locate(s.instanceId);
    if (!f || f.readiness === 'compliant' || f.readiness === 'imds-disabled') continue; // fixed meanwhile
    const channel = routeChannel(await ctx.directory.routeOf(f), ctx.workflow.slack.securityChannel);
    if (!channel) continue;
    await ctx.out.add({
      kind: 'post',
      channel,
      text: notification(
        md`:alarm_clock: The snooze on ${code(f.instanceId)} (${f.name ?? 'no Name'}, ${f.accountId}/${f.region}) ended; it still accepts IMDSv1 (${f.readiness}). Snoozed by ${user(s.by.userId)}: ${s.reason}`,
      ),
    });
    told += 1;
  }
  return told;
}
