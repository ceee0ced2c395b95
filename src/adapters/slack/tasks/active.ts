import { recordRefusal, unknownTarget } from '../../../app/change/audit.js';
import { auditTarget } from '../../../app/change/targets/index.js';
import { md, user } from '../text.js';
import { ephemeral, type ResponseMessage } from '../web.js';
import type { TaskContext } from './context.js';
import type { SlackTask } from './schema.js';

type UserTask = Extract<SlackTask, { user: unknown }>;

/** What an attempt was, for the audit trail: the action and the target it named. */
async function attemptOf(ctx: TaskContext, task: UserTask) {
  switch (task.kind) {
    case 'cr-decision': {
      const cr = await ctx.change.requests.get(task.requestId);
      return {
        action: task.action,
        target: cr ? auditTarget(cr) : unknownTarget(task.requestId),
        requestId: cr?.id ?? null,
      };
    }
    case 'card-action':
      return { action: task.action, target: unknownTarget(`ref:${task.ref}`), requestId: null };
    case 'cr-refresh':
      return { action: 'refresh', target: unknownTarget(`${task.requestId}#${task.index}`), requestId: null };
    case 'snooze':
      return { action: 'snooze', target: unknownTarget(`ref:${task.ref}`), requestId: null };
    case 'guardrail-fix':
      return { action: 'guardrail-fix', target: unknownTarget(`button:${task.value}`), requestId: null };
    case 'command':
      return {
        action: `/imds ${task.command.name}`,
        target: unknownTarget(`/imds ${task.text}`),
        requestId: null,
      };
  }
}

/**
 * Nothing is done for a Slack account that is deactivated, whatever list or group still names it:
 * the attempt is refused and audited. Approvals ask Slack at that moment, the rest within a minute.
 */
export async function whenActive(
  ctx: TaskContext,
  task: UserTask,
  work: () => Promise<ResponseMessage>,
): Promise<ResponseMessage> {
  return (await inactiveRefusal(ctx, task)) ?? work();
}

/** The refusal (audited) when the task's user is deactivated in Slack; null when they are active. */
export async function inactiveRefusal(ctx: TaskContext, task: UserTask): Promise<ResponseMessage | null> {
  if (await ctx.access.isActive(task.user.id, { fresh: task.kind === 'cr-decision' })) return null;
  const reason = md`${user(task.user.id)} is a deactivated Slack account: imds-bot does nothing on its behalf.`;
  await recordRefusal(ctx, {
    actor: { userId: task.user.id, name: task.user.name },
    ...(await attemptOf(ctx, task)),
    code: 'deactivated',
    reason: reason.text,
  });
  return ephemeral(reason);
}
