import { z } from 'zod';

/**
 * Every Slack action id of ours and the schema of the value its button carries: the block builders
 * and the listeners both use these, so a button and the listener that answers it cannot drift apart.
 */

/** The modals' callback ids: a snooze, a decision on a change request. */
export const SNOOZE_CALLBACK = 'imds_snooze';
export const DECISION_CALLBACK = 'imds_cr_decision';

/** Digest card buttons: `imds_<action>_<n>`, `n` making the id unique within the message. */
export const DIGEST_ACTIONS = ['enforce', 'snooze', 'ack', 'find-caller'] as const;
export type DigestAction = (typeof DIGEST_ACTIONS)[number];

export const digestActionId = (action: DigestAction | 'console', n: number): string => `imds_${action}_${n}`;

/** What a digest listener registers: the buttons that act (the console button is a link). */
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
  /** on an applied template fix: request an instance refresh of a group launching it (`_<n>` per group) */
  refresh: 'imds_cr_refresh',
} as const;
export type RequestAction = keyof typeof CR_ACTIONS;

export const CR_ACTION = new RegExp(
  `^(?:${Object.values(CR_ACTIONS).join('|')}|${CR_ACTIONS.refresh}_\\d{1,2})$`,
);

/** The refresh button of the `n`-th group a card offers (action ids are unique within a message). */
export const refreshActionId = (n: number): string => `${CR_ACTIONS.refresh}_${n}`;

export const requestActionOf = (actionId: string): RequestAction | null =>
  (Object.keys(CR_ACTIONS) as RequestAction[]).find(
    (k) => CR_ACTIONS[k] === actionId.replace(/^(imds_cr_refresh)_\d{1,2}$/, '$1'),
  ) ?? null;

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

/** The Fix buttons of `/imds guardrails`: `imds_gfix_<n>`, `n` making the id unique within the message. */
export const guardrailFixActionId = (n: number): string => `imds_gfix_${n}`;
export const GUARDRAIL_FIX_ACTION = /^imds_gfix_\d+$/;

const ACCOUNT_PART = '(\\d{12})';
const REGION_PART = '([a-z]{2}(?:-[a-z]+)+-\\d)';
const FIX_TEMPLATE_VALUE = new RegExp(`^template:${ACCOUNT_PART}:${REGION_PART}:(lt-[0-9a-f]{8,17})$`);
const FIX_DEFAULT_VALUE = new RegExp(`^default:${ACCOUNT_PART}:${REGION_PART}$`);

export type GuardrailFix =
  | { kind: 'fix-template'; accountId: string; region: string; launchTemplateId: string }
  | { kind: 'fix-default'; accountId: string; region: string };

/**
 * A Fix button's value: which existing request it files (`template:<account>:<region>:<lt-id>` or
 * `default:<account>:<region>`). Anything else (forged, or from another version) reads as null.
 * The target is checked again against the latest scan when the click is handled.
 */
export const GuardrailFixValue = z
  .string()
  .catch('')
  .transform((value): GuardrailFix | null => {
    const t = FIX_TEMPLATE_VALUE.exec(value);
    if (t?.[1] && t[2] && t[3])
      return { kind: 'fix-template', accountId: t[1], region: t[2], launchTemplateId: t[3] };
    const d = FIX_DEFAULT_VALUE.exec(value);
    return d?.[1] && d[2] ? { kind: 'fix-default', accountId: d[1], region: d[2] } : null;
  });

export const guardrailFixValue = (fix: GuardrailFix): string =>
  fix.kind === 'fix-template'
    ? `template:${fix.accountId}:${fix.region}:${fix.launchTemplateId}`
    : `default:${fix.accountId}:${fix.region}`;
