import { requestFindCaller } from '../../../app/change/request-find-caller.js';
import { type Finding, instanceKey } from '../../../domain/findings/model.js';
import { code, md } from '../text.js';
import { ephemeral, type ResponseMessage } from '../web.js';
import { locateRef } from './cards.js';
import { outcomeMessage } from './changes.js';
import type { TaskContext } from './context.js';
import type { SlackTask } from './schema.js';

/**
 * "Find the caller" from an in-use card's button or `/imds find-caller <instance-id>`: a change
 * request like any other (its owner or security asks, an approver approves); the result goes to the
 * request card's thread and to the in-use card's: the one clicked, or the newest digest card
 * showing the instance.
 */

type User = { id: string; name: string };

async function newestCardOf(ctx: TaskContext, f: Finding) {
  const cards = (await ctx.cards.cardsFor(instanceKey(f))).filter((c) => c.kind === 'digest');
  return cards.sort((a, b) => b.savedAt.localeCompare(a.savedAt))[0] ?? null;
}

async function ask(
  ctx: TaskContext,
  f: Finding,
  user: User,
  channelId: string | null,
  messageTs: string | null,
) {
  const actor = await ctx.access.actorFor(user.id, channelId);
  const card = messageTs ? null : await newestCardOf(ctx, f);
  const where = card ? { channelId: card.channel, messageTs: card.ts } : { channelId, messageTs };
  return outcomeMessage(
    await requestFindCaller(ctx.change, f, { userId: user.id, name: user.name }, actor.groups, where),
  );
}

export async function findCallerCommand(
  ctx: TaskContext,
  user: User,
  channelId: string,
  instanceId: string,
): Promise<ResponseMessage> {
  const f = await ctx.findings.locate(instanceId);
  if (!f) return ephemeral(md`No scan has seen ${code(instanceId)}: nothing to look at.`);
  return ask(ctx, f, user, channelId, null);
}

export async function findCallerFromCard(
  ctx: TaskContext,
  task: Extract<SlackTask, { kind: 'card-action' }>,
): Promise<ResponseMessage> {
  const loc = await locateRef(ctx, task.ref, { user: task.user, action: 'find-caller' });
  if (!loc.ok) return loc.message;
  return ask(ctx, loc.finding, task.user, task.channelId, task.messageTs);
}
