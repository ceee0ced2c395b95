import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { SlackDeliveryStore } from '../redis/slack-delivery.js';

/**
 * Bolt refuses requests whose signature timestamp is more than 5 minutes off, either way, so the
 * same signed request can arrive for up to 10 minutes; remember what was seen for longer than that.
 */
export const SEEN_TTL_SECONDS = 15 * 60;

const Id = z.string().min(1);
const EventDelivery = z.object({ type: z.literal('event_callback'), event_id: Id });
const ActionDelivery = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: Id }),
  channel: z.object({ id: Id }).nullish(),
  container: z
    .object({ message_ts: Id.optional(), channel_id: Id.optional(), view_id: Id.optional() })
    .nullish(),
  message: z.object({ ts: Id }).nullish(),
  actions: z.array(z.object({ action_id: Id, action_ts: Id })).min(1),
});
/** slash commands (user_id) and modal submissions, shortcuts (user.id): each has its own trigger_id */
const TriggerDelivery = z.object({
  trigger_id: Id,
  user_id: Id.optional(),
  user: z.object({ id: Id }).optional(),
});

/**
 * What Slack makes unique about one delivery: an event's `event_id`; a click's `action_ts` with
 * who clicked, where and what; a command's or a submission's `trigger_id`. Null: nothing to go by.
 */
export function deliveryKey(body: unknown): string | null {
  const event = EventDelivery.safeParse(body);
  if (event.success) return `event:${event.data.event_id}`;
  const action = ActionDelivery.safeParse(body);
  if (action.success) {
    const b = action.data;
    const where = b.channel?.id ?? b.container?.channel_id ?? b.container?.view_id ?? '-';
    const ts = b.container?.message_ts ?? b.message?.ts ?? '-';
    const clicked = b.actions.map((a) => `${a.action_id}@${a.action_ts}`).join(',');
    return `action:${b.user.id}:${where}:${ts}:${clicked}`;
  }
  const trigger = TriggerDelivery.safeParse(body);
  if (trigger.success) {
    const user = trigger.data.user_id ?? trigger.data.user?.id ?? '-';
    return `trigger:${user}:${trigger.data.trigger_id}`;
  }
  return null;
}

export interface OnceDeps {
  deliveries: SlackDeliveryStore;
  log: Logger;
}

/**
 * Global Bolt middleware: the first delivery of a request claims it (SET NX, atomic across
 * processes); a retry or replay of it is acknowledged and goes no further. A delivery whose
 * listeners fail releases its claim, so Slack's retry can still do the work.
 */
export function onlyOnce(deps: OnceDeps): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const key = deliveryKey(args.body);
    if (!key) return args.next();
    if (!(await deps.deliveries.claimDelivery(key, SEEN_TTL_SECONDS, new Date()))) {
      deps.log.info(
        { key, retryNum: args.context.retryNum ?? null, retryReason: args.context.retryReason ?? null },
        'slack request seen before: acknowledged, not carried out again',
      );
      if ('ack' in args && typeof args.ack === 'function') await args.ack();
      return;
    }
    try {
      await args.next();
    } catch (err) {
      await deps.deliveries.releaseDelivery(key);
      throw err;
    }
  };
}
