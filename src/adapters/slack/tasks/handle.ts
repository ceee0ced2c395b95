import { CodedError, errorMessage } from '../../../domain/errors.js';
import type { SlackOut } from '../out.js';
import { code, md } from '../text.js';
import { ephemeral, type ResponseMessage } from '../web.js';
import { whenActive } from './active.js';
import { acknowledge, snooze } from './cards.js';
import { decision, enforceFromCard, refreshFromCard } from './changes.js';
import { runCommand } from './commands.js';
import type { TaskContext } from './context.js';
import { planDigests } from './digest.js';
import { findCallerFromCard } from './find-caller.js';
import { guardrailFix } from './guardrails.js';
import { homeView } from './home.js';
import { alertRejections } from './rejections.js';
import type { SlackTask } from './schema.js';

/**
 * Where an answer goes: the click's response_url; a click on the Home tab has none, so the answer
 * goes to the user's DM with the bot (`dm`), where given.
 */
type ReplyTo = string | null | { responseUrl: string | null; dm: string };

function deliveryOf(to: ReplyTo, message: ResponseMessage): SlackOut | null {
  const responseUrl = typeof to === 'object' && to !== null ? to.responseUrl : to;
  if (responseUrl) return { kind: 'respond', responseUrl, message };
  if (typeof to !== 'object' || to === null) return null;
  return {
    kind: 'post',
    channel: to.dm,
    text: message.text,
    ...(message.blocks ? { blocks: message.blocks } : {}),
  };
}

/**
 * Sends what a handler answered. A handler that fails for good still answers (what failed and
 * what to check), so nobody is left looking at "working…"; transient failures are retried.
 */
async function reply(ctx: TaskContext, to: ReplyTo, work: () => Promise<ResponseMessage>): Promise<void> {
  let message: ResponseMessage;
  try {
    message = await work();
  } catch (err) {
    if (err instanceof CodedError && err.transient) throw err;
    ctx.log.error({ err: errorMessage(err) }, 'slack task failed');
    message = ephemeral(
      md`That failed: ${errorMessage(err)}. Check ${code('/imds audit')} before trying again.`,
    );
  }
  const out = deliveryOf(to, message);
  if (out) await ctx.out.add(out);
}

/** Dispatches one queued Slack task. Replies go through the outbound queue (rate limits, retries). */
export async function handleTask(ctx: TaskContext, task: SlackTask): Promise<unknown> {
  switch (task.kind) {
    case 'command':
      return reply(ctx, task.responseUrl, () => whenActive(ctx, task, () => runCommand(ctx, task)));
    case 'digest':
      return planDigests(ctx, task.onlyRegressions, task.env);
    case 'home':
      return ctx.out.add({
        kind: 'publish-home',
        userId: task.userId,
        view: await homeView(ctx, task.userId),
      });
    case 'rejections':
      return alertRejections(ctx, task.items);
    case 'snooze':
      return reply(ctx, task.responseUrl, () => whenActive(ctx, task, () => snooze(ctx, task)));
    case 'card-action':
      return reply(ctx, task.responseUrl, () =>
        whenActive(ctx, task, () =>
          task.action === 'ack'
            ? acknowledge(ctx, task)
            : task.action === 'find-caller'
              ? findCallerFromCard(ctx, task)
              : enforceFromCard(ctx, task),
        ),
      );
    case 'cr-decision':
      return reply(ctx, task.responseUrl, () => whenActive(ctx, task, () => decision(ctx, task)));
    case 'guardrail-fix':
      // also clicked on the Home tab, which has no response_url
      return reply(ctx, { responseUrl: task.responseUrl, dm: task.user.id }, () =>
        whenActive(ctx, task, () => guardrailFix(ctx, task)),
      );
    case 'cr-refresh':
      return reply(ctx, task.responseUrl, () => whenActive(ctx, task, () => refreshFromCard(ctx, task)));
  }
}
