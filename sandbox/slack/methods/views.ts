import type { Args, StoredView } from '../types.js';
import { viewJson } from '../views.js';
import { type Body, type Failure, fail, type MethodContext, ok, record, str } from './args.js';

/** The view argument, decoded and checked (≤ 100 blocks, Slack's invalid_arguments otherwise). */
function viewArg(ctx: MethodContext, args: Args): { ok: true; view: Record<string, unknown> } | Failure {
  const view = record(args.view);
  if (!view) return fail('invalid_arguments', ['[ERROR] missing required field: view']);
  const blocks = view.blocks ?? [];
  if (!Array.isArray(blocks))
    return fail('invalid_arguments', ['[ERROR] must be an array [json-pointer:/view/blocks]']);
  const max = ctx.settings.maxViewBlocks;
  if (blocks.length > max) {
    return fail('invalid_arguments', [
      `[ERROR] must provide at most ${max} items [json-pointer:/view/blocks]`,
    ]);
  }
  return { ok: true, view };
}

const answer = (ctx: MethodContext, view: StoredView): Body =>
  ok({ view: viewJson(view, ctx.state.team.id, ctx.state.appId, ctx.state.botId) });

/** views.open: a trigger_id issued in the last 3 s, exchanged once. */
export function open(ctx: MethodContext, args: Args): Body {
  const checked = viewArg(ctx, args);
  if (!checked.ok) return checked;
  const { view } = checked;
  const externalId = typeof view.external_id === 'string' ? view.external_id : '';
  if (externalId && ctx.state.views.hasExternalId(externalId)) return fail('duplicate_external_id');
  const triggerId = str(args, 'trigger_id');
  const trigger = ctx.state.interactions.exchangeTrigger(triggerId);
  if (trigger !== 'ok') return fail(trigger);
  return answer(ctx, ctx.state.views.create(view, ctx.state.interactions.userOfTrigger(triggerId ?? '')));
}

/** views.push: a new view on top of the user's open modal (a fresh trigger_id, as views.open). */
export const push = open;

export function update(ctx: MethodContext, args: Args): Body {
  const checked = viewArg(ctx, args);
  if (!checked.ok) return checked;
  const { view } = checked;
  const stored = ctx.state.views.find({ viewId: str(args, 'view_id'), externalId: str(args, 'external_id') });
  if (!stored) return fail('not_found');
  const hash = str(args, 'hash');
  if (hash && hash !== stored.hash) return fail('hash_conflict');
  return answer(ctx, ctx.state.views.replace(stored, view));
}

/** views.publish: the Home tab of user_id (replaced on every publish). */
export function publish(ctx: MethodContext, args: Args): Body {
  const checked = viewArg(ctx, args);
  if (!checked.ok) return checked;
  const { view } = checked;
  const userId = str(args, 'user_id');
  const user = userId ? ctx.state.directory.user(userId) : undefined;
  if (!user) return fail('user_not_found');
  if (view.type !== 'home')
    return fail('invalid_arguments', ['[ERROR] must be home [json-pointer:/view/type]']);
  const hash = str(args, 'hash');
  const current = ctx.state.views.home(user.id);
  if (hash && current && hash !== current.hash) return fail('hash_conflict');
  return answer(ctx, ctx.state.views.publishHome(view, user.id));
}
