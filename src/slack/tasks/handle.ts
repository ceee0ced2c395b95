import { acknowledge, snooze } from './cards.js';
import { runCommand } from './commands.js';
import type { TaskContext } from './context.js';
import { planDigests } from './digest.js';
import { homeView } from './home.js';
import type { SlackTask } from './schema.js';

const reply = async (
  ctx: TaskContext,
  responseUrl: string | null,
  message: Awaited<ReturnType<typeof runCommand>>,
) => {
  if (responseUrl) await ctx.out.add({ kind: 'respond', responseUrl, message });
};

/** Dispatches one queued Slack task. Replies go through the outbound queue (rate limits, retries). */
export async function handleTask(ctx: TaskContext, task: SlackTask): Promise<unknown> {
  switch (task.kind) {
    case 'command':
      return reply(ctx, task.responseUrl, await runCommand(ctx, task));
    case 'digest':
      return planDigests(ctx, task.onlyRegressions);
    case 'home':
      return ctx.out.add({
        kind: 'publish-home',
        userId: task.userId,
        view: await homeView(ctx, task.userId),
      });
    case 'snooze':
      return reply(ctx, task.responseUrl, await snooze(ctx, task));
    case 'card-action':
      if (task.action === 'ack') return reply(ctx, task.responseUrl, await acknowledge(ctx, task));
      return reply(ctx, task.responseUrl, {
        response_type: 'ephemeral',
        text: 'Enforcing from a card needs change control, which this installation has not enabled yet.',
        replace_original: false,
      });
  }
}
