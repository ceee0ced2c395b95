import { z } from 'zod';

/**
 * Every Slack action id of ours and the schema of the value its button carries: the block builders
 * and the listeners both use these, so a button and the listener that answers it cannot drift apart.
 */

/** The modals' callback ids: a snooze, a decision on a change request. */
export const SNOOZE_CALLBACK = 'imds_snooze';
export const DECISION_CALLBACK = 'imds_cr_decision';

/** Digest card buttons: `imds_<action>_<n>`, `n` making the id unique within the message. */
export const DIGEST_ACTIONS = ['enforce', 'snooze', 'ack'] as const;
export type DigestAction = (typeof DIGEST_ACTIONS)[number];

export const digestActionId = (action: DigestAction | 'console', n: number): string => `imds_${action}_${n}`;

/** What a digest listener registers: the three buttons that act (the console button is a link). */
export const DIGEST_ACTION = new RegExp(`^imds_(${DIGEST_ACTIONS.join('|')})_\\d+$`);

export const digestActionOf = (actionId: string): DigestAction | null =>
  (DIGEST_ACTION.exec(actionId)?.[1] as DigestAction | undefined) ?? null;

/** Change-request card buttons (and the rollback button of a rejection alert). */
export const CR_ACTIONS = {
  approve: 'imds_cr_approve',
  deny: 'imds_cr_deny',
  rollback: 'imds_cr_rollback',
  /** on an approved / applying card: what the bot knows of the request now */
  status: 'imds_cr_status',
} as const;
export type RequestAction = keyof typeof CR_ACTIONS;

export const CR_ACTION = new RegExp(`^(?:${Object.values(CR_ACTIONS).join('|')})$`);

export const requestActionOf = (actionId: string): RequestAction | null =>
  (Object.keys(CR_ACTIONS) as RequestAction[]).find((k) => CR_ACTIONS[k] === actionId) ?? null;

const BULK_ITEM = /^(cr-[0-9a-z-]{1,40})\/(i-[0-9a-f]{8,17})$/;

/**
 * A request button's value: the request id, or `<request id>/<instance id>` where the button acts on
 * one instance of a bulk. Anything else is read as a request id (the store then does not know it).
 */
export const RequestButtonValue = z
  .string()
  .catch('')
  .transform((value): { requestId: string; instanceId?: string } => {
    const m = BULK_ITEM.exec(value);
    return m?.[1] && m[2] ? { requestId: m[1], instanceId: m[2] } : { requestId: value };
  });
export type RequestButtonValue = z.infer<typeof RequestButtonValue>;

export const requestButtonValue = (requestId: string, instanceId?: string): string =>
  instanceId ? `${requestId}/${instanceId}` : requestId;

/** A digest button's value: an opaque reference (a key into a short-lived store), never instance data. */
export const CardButtonValue = z.string().catch('');
