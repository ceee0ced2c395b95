import { groupFacts } from '../../../domain/change/approval-gates.js';
import type { TargetFacts } from '../../../domain/change/approval-roles.js';
import type { AuditBody, AuditSession } from '../../../domain/change/audit-chain.js';
import type { ChangeRequest, ChangeTarget } from '../../../domain/change/request-schema.js';
import { CodedError } from '../../../domain/errors.js';
import type { Finding } from '../../../domain/findings/model.js';
import type { Message } from '../../../domain/message.js';
import type { Json } from '../../../domain/ports/change-memo.js';
import type { TargetRef } from '../../../domain/ports/change-requests.js';
import type { ChangeContext } from '../context.js';

/** A request whose target is of one kind. */
export type RequestOn<T extends ChangeTarget> = ChangeRequest & { target: T };

export type AuditTarget = AuditBody['target'];

/** The facts the policy decides on now, and the instance's finding when the target is one instance. */
export interface CurrentFacts {
  facts: TargetFacts;
  finding: Finding | null;
}

/** What a change did, as the audit trail and the request record it. */
export interface Applied {
  before: Json | null;
  after: Json;
  awsRequestId: string | null;
  /** one line for the card's thread */
  note: string;
  /** the STS session the change was made with (null: the hub's own credentials) */
  session?: AuditSession | null;
  /** what the threads hear instead of "Done and verified: <note>" (a report of several lines) */
  threadNote?: Message;
}

export const asJson = (o: object): Json => JSON.parse(JSON.stringify(o)) as Json;

export const nothingToRestore = (requestId: string): CodedError =>
  new CodedError('nothing-to-restore', `${requestId}: the change it undoes has no captured before-state`);

/** What a rollback restores from: the change it undoes, and what that change found before it. */
export interface Undoing {
  original: ChangeRequest | null;
  /** the state `original` found on one instance just before it changed it */
  beforeOf: (instanceId: string) => Promise<Json | null>;
}

/**
 * One kind of change target (an instance, a launch template, an account default, a bulk): everything
 * change control does that depends on the kind. One file per kind; `targetOf` (index.ts) finds it.
 */
export interface TargetKind<T extends ChangeTarget> {
  /** the account, region and resource its audit entries name */
  auditTarget(t: T, requestId: string): AuditTarget;
  /** the resources it touches (the request indexes) */
  refs(t: T): TargetRef[];
  /** the keys saying which open request holds it: a second request on any of them is refused */
  openRefs(t: T): string[];
  /** what it is, on the request's card */
  describe(t: T): Message;
  /** the digest cards (`<account>:<region>:<instance>`) that show the request */
  cardInstanceKeys(t: T): string[];
  /** the facts the policy decides on now (and the instance's finding, for one instance) */
  facts(ctx: ChangeContext, t: T): Promise<CurrentFacts>;
  /** the instances whose IMDSv1 use an enforcement re-reads at approval, and their region when one */
  gated(t: T): { region: string | null; instanceIds: string[] };
  /** the job carrying the request out (the sweeper looks for it) */
  jobId(requestId: string): string;
  /**
   * A kind applied as one job per item queues them here (idempotent) and returns true: the apply
   * job is then done. False: `apply` (or `restore`) runs in the apply job itself.
   */
  fanOut(ctx: ChangeContext, cr: RequestOn<T>): Promise<boolean>;
  /** the change to production, verified by reading it back */
  apply(ctx: ChangeContext, cr: RequestOn<T>): Promise<Applied>;
  /** a rollback: exactly the state captured before the change it undoes */
  restore(ctx: ChangeContext, cr: RequestOn<T>, undoing: Undoing): Promise<Applied>;
  /** the stored finding (template row, default) says at once what the change left */
  noteApplied(ctx: ChangeContext, cr: RequestOn<T>, done: Applied): Promise<void>;
  /** after the request is applied and verified (an enforced instance is watched for rejections) */
  afterVerified(ctx: ChangeContext, cr: RequestOn<T>): Promise<void>;
  /** what `original` (a request on this kind) found on `instanceId` before it changed it */
  capturedBefore(ctx: ChangeContext, original: RequestOn<T>, instanceId: string): Promise<Json | null>;
  /**
   * A rollback of only part of `original` was applied (one instance of a bulk): the kind records it
   * and returns true; false when the rollback undid all of it.
   */
  partRolledBack(ctx: ChangeContext, original: RequestOn<T>, rollback: ChangeRequest): Promise<boolean>;
  /**
   * Why `original` cannot be rolled back any more, said when the rollback is asked for rather than
   * when it is applied (null: it can). Kinds whose change can always be undone leave it out.
   */
  rollbackRefused?(ctx: ChangeContext, original: RequestOn<T>): Promise<Message | null>;
  /** the card's line for an applied request, where a diff of before and after would not say it (default: the diff) */
  appliedLine?(cr: RequestOn<T>): Message;
}

export const noFanOut = async (): Promise<boolean> => false;
export const nothingMore = async (): Promise<void> => {};
export const wholeOnly = async (): Promise<boolean> => false;
/** The facts of a target that is not one instance and has no owner of its own (a template, a default, a group). */
export const notOneInstance = async (): Promise<CurrentFacts> => ({
  facts: groupFacts(false),
  finding: null,
});
