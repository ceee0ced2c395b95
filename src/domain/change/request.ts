/**
 * A change request: the only way the bot changes production. Pure state machine; the store persists
 * it with compare-and-set on `version`, which every accepted transition increments by one.
 *
 *   requested ─approve (quorum)─► approved ─start-apply─► applying ─applied─► applied ─rolled-back─► rolled-back
 *       │ └─approve (short of quorum): stays requested, approval recorded      └─failed──► failed
 *       ├─deny──► denied
 *       └─expire (at or after expiresAt)──► expired
 */

import { esc } from '../untrusted.js';
import type {
  Approval,
  ByWhom,
  ChangeEvent,
  ChangeEventType,
  ChangeRequest,
  ChangeState,
  ChangeTarget,
} from './request-schema.js';

export type TransitionCode =
  | 'not-approved'
  | 'not-applying'
  | 'not-applied'
  | 'already-approved'
  | 'already-applying'
  | 'already-applied'
  | 'already-failed'
  | 'already-rolled-back'
  | 'already-denied'
  | 'expired'
  | 'not-expired-yet'
  | 'self-approval'
  | 'duplicate-approval'
  | 'reason-required';

export type TransitionOutcome = { readonly to: ChangeState } | { readonly refuse: TransitionCode };

const to = (state: ChangeState) => ({ to: state }) as const;
const no = (code: TransitionCode) => ({ refuse: code }) as const;
const refuseAll = (code: TransitionCode) =>
  ({
    approve: no(code),
    deny: no(code),
    expire: no(code),
    'start-apply': no(code),
    applied: no(code),
    failed: no(code),
    'rolled-back': no(code),
  }) as const;

/**
 * Every (state, event) pair. A `to` may still be refused by a guard: approve by the requester or twice
 * by the same person, approve/deny after expiresAt, expire before it, a blank reason. An approve that
 * is short of `requiredApprovals` is accepted but stays in `requested`.
 */
export const TRANSITIONS = {
  requested: {
    approve: to('approved'),
    deny: to('denied'),
    expire: to('expired'),
    'start-apply': no('not-approved'),
    applied: no('not-applying'),
    failed: no('not-applying'),
    'rolled-back': no('not-applied'),
  },
  approved: {
    ...refuseAll('already-approved'),
    'start-apply': to('applying'),
    applied: no('not-applying'),
    failed: no('not-applying'),
    'rolled-back': no('not-applied'),
  },
  applying: {
    ...refuseAll('already-applying'),
    applied: to('applied'),
    failed: to('failed'),
    'rolled-back': no('not-applied'),
  },
  applied: { ...refuseAll('already-applied'), 'rolled-back': to('rolled-back') },
  failed: refuseAll('already-failed'),
  'rolled-back': refuseAll('already-rolled-back'),
  denied: refuseAll('already-denied'),
  expired: refuseAll('expired'),
} as const satisfies Record<ChangeState, Record<ChangeEventType, TransitionOutcome>>;

export type TransitionResult =
  | { ok: true; next: ChangeRequest }
  | { ok: false; code: TransitionCode; message: string };

interface Step {
  to: ChangeState;
  by: ByWhom;
  patch: Partial<ChangeRequest>;
}

const WORKER: ByWhom = { system: 'worker' };
const blank = (s: string): boolean => s.trim() === '';
const isExpired = (cr: ChangeRequest, now: Date): boolean => now.getTime() >= Date.parse(cr.expiresAt);

/**
 * What the change does, for messages: "enforce on i-0abc (123456789012/eu-west-1)". mrkdwn: its
 * ids are AWS's data, so they are escaped.
 */
export function describeChange(cr: ChangeRequest): string {
  const t = cr.target;
  const where = esc(`${t.accountId}/${t.region ?? 'all regions'}`);
  return `${cr.kind} ${(SUBJECT[t.type] as (t: ChangeTarget) => string)(t)} (${where})`;
}

/**
 * What a request acts on, per kind of target: one entry per kind, so a new kind does not compile
 * until it says how it is named (the rest of a kind lives in src/app/change/targets/).
 */
const SUBJECT: { [K in ChangeTarget['type']]: (t: Extract<ChangeTarget, { type: K }>) => string } = {
  instance: (t) => `on ${esc(t.instanceId)}`,
  'launch-template': (t) => `on ${esc(t.launchTemplateId)}`,
  'account-default': () => 'on the account default',
  asg: (t) => `of Auto Scaling group ${esc(t.asgName)}`,
  'find-caller': (t) => `on ${esc(t.instanceId)}`,
  bulk: (t) => `on ${t.instanceIds.length} instance(s)`,
};

export const approvalsMissing = (cr: ChangeRequest): number =>
  Math.max(0, cr.requiredApprovals - cr.approvals.length);

/** A message a Slack user can act on: what happened, and what they can do instead. */
export function transitionMessage(code: TransitionCode, cr: ChangeRequest): string {
  const what = `Change ${cr.id} (${describeChange(cr)})`;
  const missing = approvalsMissing(cr);
  const messages: Record<TransitionCode, string> = {
    'not-approved': `${what} cannot start: it still needs ${missing} approval(s) from an approver.`,
    'not-applying': `${what} is ${cr.state}, not being applied; only the job applying it reports a result.`,
    'not-applied': `${what} is ${cr.state}; only an applied change can be rolled back.`,
    'already-approved': `${what} is already approved and queued; once applied, an approver can roll it back.`,
    'already-applying': `${what} is being applied now (job ${cr.jobId ?? '?'}); wait for the result.`,
    'already-applied': `${what} was already applied; to undo it, an approver can request a rollback.`,
    'already-failed': `${what} failed (${esc(cr.error?.message ?? 'unknown error')}); request a new change to retry.`,
    'already-rolled-back': `${what} was rolled back; request a new change to enforce again.`,
    'already-denied': `${what} was denied by ${esc(cr.denials.at(-1)?.name ?? 'an approver')}; request it again if things changed.`,
    expired: `${what} expired at ${cr.expiresAt} before it was approved; request it again.`,
    'not-expired-yet': `${what} does not expire until ${cr.expiresAt}.`,
    'self-approval': `You requested ${what} yourself; a different approver must approve it.`,
    'duplicate-approval': `You already approved ${what}; it needs ${missing} more approval(s) from a different approver.`,
    'reason-required': `${what}: write a reason; it goes into the audit trail.`,
  };
  return messages[code];
}

type Guarded = Step | TransitionCode;

function onApprove(
  cr: ChangeRequest,
  e: Extract<ChangeEvent, { type: 'approve' }>,
  at: string,
  now: Date,
): Guarded {
  if (isExpired(cr, now)) return 'expired';
  if (e.by.userId === cr.requestedBy.userId) return 'self-approval';
  if (cr.approvals.some((a) => a.userId === e.by.userId)) return 'duplicate-approval';
  if (e.override && blank(e.override.reason)) return 'reason-required';
  const approval: Approval = e.override
    ? { ...e.by, at, override: { reason: e.override.reason.trim() } }
    : { ...e.by, at };
  const approvals = [...cr.approvals, approval];
  const quorum = approvals.length >= cr.requiredApprovals;
  return { to: quorum ? 'approved' : 'requested', by: e.by, patch: { approvals } };
}

function onDeny(
  cr: ChangeRequest,
  e: Extract<ChangeEvent, { type: 'deny' }>,
  at: string,
  now: Date,
): Guarded {
  if (isExpired(cr, now)) return 'expired';
  if (blank(e.reason)) return 'reason-required';
  return {
    to: 'denied',
    by: e.by,
    patch: { denials: [...cr.denials, { ...e.by, at, reason: e.reason.trim() }] },
  };
}

function onRolledBack(e: Extract<ChangeEvent, { type: 'rolled-back' }>, at: string): Guarded {
  if (blank(e.reason)) return 'reason-required';
  const rollback = { by: e.by, reason: e.reason.trim(), requestId: e.rollbackRequestId, at };
  return { to: 'rolled-back', by: e.by, patch: { rollback } };
}

function step(cr: ChangeRequest, e: ChangeEvent, at: string, now: Date): Guarded {
  switch (e.type) {
    case 'approve':
      return onApprove(cr, e, at, now);
    case 'deny':
      return onDeny(cr, e, at, now);
    case 'expire':
      return isExpired(cr, now) ? { to: 'expired', by: { system: 'expiry' }, patch: {} } : 'not-expired-yet';
    case 'start-apply':
      return { to: 'applying', by: WORKER, patch: { jobId: e.jobId } };
    case 'applied':
      return {
        to: 'applied',
        by: WORKER,
        patch: { after: e.after, awsRequestId: e.awsRequestId, ...(e.before ? { before: e.before } : {}) },
      };
    case 'failed':
      return { to: 'failed', by: WORKER, patch: { error: e.error } };
    case 'rolled-back':
      return onRolledBack(e, at);
  }
}

/**
 * Apply one event. Refusals come from TRANSITIONS first, then from the event's guards. On success,
 * `next` has one more history entry and `version + 1`; the store writes it only if the stored version
 * is still `cr.version`.
 */
export function transition(cr: ChangeRequest, event: ChangeEvent, now: Date): TransitionResult {
  const outcome: TransitionOutcome = TRANSITIONS[cr.state][event.type];
  if ('refuse' in outcome)
    return { ok: false, code: outcome.refuse, message: transitionMessage(outcome.refuse, cr) };
  const at = now.toISOString();
  const result = step(cr, event, at, now);
  if (typeof result === 'string') return { ok: false, code: result, message: transitionMessage(result, cr) };
  const history = [...cr.history, { from: cr.state, to: result.to, at, by: result.by }];
  return { ok: true, next: { ...cr, ...result.patch, state: result.to, history, version: cr.version + 1 } };
}
