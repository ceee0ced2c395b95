import { z } from 'zod';

/**
 * A change request: the only way the bot changes production. Pure state machine; the store persists
 * it with compare-and-set on `version`, which every accepted transition increments by one.
 *
 *   requested ─approve (quorum)─► approved ─start-apply─► applying ─applied─► applied ─rolled-back─► rolled-back
 *       │ └─approve (short of quorum): stays requested, approval recorded      └─failed──► failed
 *       ├─deny──► denied
 *       └─expire (at or after expiresAt)──► expired
 */

const AccountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');
const Region = z.string().min(1);
const Iso = z.iso.datetime();

export const ChangeKind = z.enum([
  'enforce',
  'rollback',
  'launch-template-fix',
  'account-default',
  'bulk-enforce',
]);
export type ChangeKind = z.infer<typeof ChangeKind>;

export const ChangeState = z.enum([
  'requested',
  'approved',
  'applying',
  'applied',
  'failed',
  'rolled-back',
  'denied',
  'expired',
]);
export type ChangeState = z.infer<typeof ChangeState>;

export const ChangeTarget = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('instance'),
    accountId: AccountId,
    region: Region,
    instanceId: z.string().min(1),
  }),
  z.strictObject({
    type: z.literal('launch-template'),
    accountId: AccountId,
    region: Region,
    launchTemplateId: z.string().min(1),
  }),
  z.strictObject({ type: z.literal('account-default'), accountId: AccountId, region: Region }),
  z.strictObject({
    type: z.literal('bulk'),
    accountId: AccountId,
    /** null: the instances span regions; the worker reads each one's region from the findings */
    region: Region.nullable(),
    /** the Slack user id whose instances these are, when the bulk is one owner's */
    owner: z.string().nullable(),
    instanceIds: z.array(z.string().min(1)).min(1).max(1000),
  }),
]);
export type ChangeTarget = z.infer<typeof ChangeTarget>;

/** Which target each kind acts on; a rollback undoes any of them. */
export const TARGET_TYPE_OF_KIND: Readonly<Record<ChangeKind, readonly ChangeTarget['type'][]>> = {
  enforce: ['instance'],
  rollback: ['instance', 'launch-template', 'account-default', 'bulk'],
  'launch-template-fix': ['launch-template'],
  'account-default': ['account-default'],
  'bulk-enforce': ['bulk'],
};

export const Person = z.strictObject({ userId: z.string().min(1), name: z.string() });
export type Person = z.infer<typeof Person>;

/** Who made a transition: a person, or a part of the bot (`expiry`, `worker`). */
export const ByWhom = z.union([Person, z.strictObject({ system: z.string().min(1) })]);
export type ByWhom = z.infer<typeof ByWhom>;

/** A captured MetadataOptions-like record (for a bulk: instance id → options). */
export const OptionsRecord = z.record(z.string(), z.json());
export type OptionsRecord = z.infer<typeof OptionsRecord>;

export const Approval = Person.extend({
  at: Iso,
  /** set when the approver overrode the readiness gate (instance still using IMDSv1) */
  override: z.strictObject({ reason: z.string().min(1) }).optional(),
});
export type Approval = z.infer<typeof Approval>;

export const Denial = Person.extend({ at: Iso, reason: z.string().min(1) });
export type Denial = z.infer<typeof Denial>;

export const ChangeError = z.strictObject({ code: z.string(), message: z.string() });
export type ChangeError = z.infer<typeof ChangeError>;

export const HistoryEntry = z.strictObject({ from: ChangeState, to: ChangeState, at: Iso, by: ByWhom });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const ChangeRequest = z
  .strictObject({
    /** opaque, supplied by the caller */
    id: z.string().min(1),
    kind: ChangeKind,
    target: ChangeTarget,
    /** for a rollback: the id of the change it undoes; null otherwise */
    rollbackOf: z.string().min(1).nullable(),
    requestedBy: Person,
    requestedAt: Iso,
    expiresAt: Iso,
    reason: z.string().nullable(),
    /** fixed when requested, so a later policy edit cannot lower the bar for a pending change */
    requiredApprovals: z.number().int().min(1).max(5),
    state: ChangeState,
    approvals: z.array(Approval),
    denials: z.array(Denial),
    before: OptionsRecord.nullable(),
    after: OptionsRecord.nullable(),
    jobId: z.string().nullable(),
    awsRequestId: z.string().nullable(),
    error: ChangeError.nullable(),
    rollback: z.strictObject({ by: Person, reason: z.string(), requestId: z.string(), at: Iso }).nullable(),
    history: z.array(HistoryEntry),
    version: z.number().int().nonnegative(),
  })
  .superRefine((cr, ctx) => {
    if (!TARGET_TYPE_OF_KIND[cr.kind].includes(cr.target.type)) {
      ctx.addIssue({
        code: 'custom',
        path: ['target', 'type'],
        message: `a ${cr.kind} cannot target a ${cr.target.type}`,
      });
    }
    if ((cr.kind === 'rollback') !== (cr.rollbackOf !== null)) {
      ctx.addIssue({ code: 'custom', path: ['rollbackOf'], message: 'set exactly when kind is rollback' });
    }
  });
export type ChangeRequest = z.infer<typeof ChangeRequest>;

export const ChangeEvent = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('approve'),
    by: Person,
    override: z.strictObject({ reason: z.string() }).optional(),
  }),
  z.strictObject({ type: z.literal('deny'), by: Person, reason: z.string() }),
  z.strictObject({ type: z.literal('expire') }),
  z.strictObject({ type: z.literal('start-apply'), jobId: z.string().min(1) }),
  z.strictObject({
    type: z.literal('applied'),
    /** the state actually found just before the change (it may differ from when it was requested) */
    before: OptionsRecord.optional(),
    after: OptionsRecord,
    awsRequestId: z.string().nullable(),
  }),
  z.strictObject({ type: z.literal('failed'), error: ChangeError }),
  z.strictObject({
    type: z.literal('rolled-back'),
    by: Person,
    reason: z.string(),
    rollbackRequestId: z.string().min(1),
  }),
]);
export type ChangeEvent = z.infer<typeof ChangeEvent>;
export type ChangeEventType = ChangeEvent['type'];
export const CHANGE_EVENT_TYPES = ChangeEvent.options.map((o) => o.shape.type.value);

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

/** What the change does, for messages: "enforce on i-0abc (123456789012/eu-west-1)". */
export function describeChange(cr: ChangeRequest): string {
  const t = cr.target;
  const where = `${t.accountId}/${t.region ?? 'all regions'}`;
  if (t.type === 'instance') return `${cr.kind} on ${t.instanceId} (${where})`;
  if (t.type === 'launch-template') return `${cr.kind} on ${t.launchTemplateId} (${where})`;
  if (t.type === 'account-default') return `${cr.kind} on the account default (${where})`;
  return `${cr.kind} on ${t.instanceIds.length} instance(s) (${where})`;
}

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
    'already-failed': `${what} failed (${cr.error?.message ?? 'unknown error'}); request a new change to retry.`,
    'already-rolled-back': `${what} was rolled back; request a new change to enforce again.`,
    'already-denied': `${what} was denied by ${cr.denials.at(-1)?.name ?? 'an approver'}; request it again if things changed.`,
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

export interface NewChangeRequest {
  id: string;
  kind: ChangeKind;
  target: ChangeTarget;
  requestedBy: Person;
  reason: string | null;
  before: OptionsRecord | null;
  requiredApprovals: number;
  ttlHours: number;
  rollbackOf?: string | null;
}

/** A fresh request at version 0. Throws a ZodError when kind and target (or rollbackOf) disagree. */
export function createChangeRequest(input: NewChangeRequest, now: Date): ChangeRequest {
  const { ttlHours, rollbackOf, ...rest } = input;
  return ChangeRequest.parse({
    ...rest,
    rollbackOf: rollbackOf ?? null,
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlHours * 3_600_000).toISOString(),
    state: 'requested',
    approvals: [],
    denials: [],
    after: null,
    jobId: null,
    awsRequestId: null,
    error: null,
    rollback: null,
    history: [],
    version: 0,
  });
}
