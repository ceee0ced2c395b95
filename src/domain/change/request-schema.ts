import { z } from 'zod';
import { AccountId } from '../account-id.js';

/**
 * The shapes of a change request and of the events that move it (zod schema and type share a name),
 * and a fresh request. The state machine over them is in change-request.ts.
 */

const Region = z.string().min(1);
const Iso = z.iso.datetime();

export const ChangeKind = z.enum([
  'enforce',
  'rollback',
  'launch-template-fix',
  'account-default',
  'bulk-enforce',
  /** an Auto Scaling instance refresh, after its launch template was fixed */
  'instance-refresh',
  /** runs the read-only find-imdsv1-callers script on one instance (SSM Run Command) */
  'find-caller',
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
  z.strictObject({
    type: z.literal('asg'),
    accountId: AccountId,
    region: Region,
    asgName: z.string().min(1).max(255),
  }),
  /** a command run on one instance: it changes nothing, so there is nothing to roll back */
  z.strictObject({
    type: z.literal('find-caller'),
    accountId: AccountId,
    region: Region,
    instanceId: z.string().min(1),
  }),
]);
export type ChangeTarget = z.infer<typeof ChangeTarget>;

/** Which target each kind acts on; a rollback undoes any of them. */
export const TARGET_TYPE_OF_KIND: Readonly<Record<ChangeKind, readonly ChangeTarget['type'][]>> = {
  enforce: ['instance'],
  rollback: ['instance', 'launch-template', 'account-default', 'bulk', 'asg'],
  'launch-template-fix': ['launch-template'],
  'account-default': ['account-default'],
  'bulk-enforce': ['bulk'],
  'instance-refresh': ['asg'],
  'find-caller': ['find-caller'],
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
