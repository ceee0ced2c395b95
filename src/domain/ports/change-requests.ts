import type { Decision, PolicyCode } from '../change/approval-roles.js';
import type { TransitionCode } from '../change/request.js';
import type { ChangeEvent, ChangeRequest, ChangeState, ChangeTarget } from '../change/request-schema.js';

/** Ports of the change requests store (compare-and-set, see the contract tests). */

/** One resource a change touches; a bulk touches each of its instances (region `*` when it spans regions). */
export interface TargetRef {
  accountId: string;
  region: string;
  resource: string;
}

export type ApplyResult = {
  /** the pure transition's result, or the guard's refusal, computed against `request` */
  result:
    | { ok: true; next: ChangeRequest }
    | { ok: false; code: TransitionCode | PolicyCode; message: string };
  /** the stored request: `next` on success, the fresh state that was refused otherwise */
  request: ChangeRequest;
};

export interface ApplyOptions {
  /** compare-and-set attempts before giving up with a transient `change-conflict` (default 10) */
  maxAttempts?: number;
  /** a policy check (e.g. canApprove) re-run against the fresh state on every attempt */
  guard?: (fresh: ChangeRequest) => Decision;
}

export type CreateResult =
  | { ok: true }
  | { ok: false; code: 'id-taken' }
  | { ok: false; code: 'target-open'; openId: string };

/** The states in which a request holds its targets: a second request for any of them is refused. */
export const OPEN_STATES: readonly ChangeState[] = ['requested', 'approved', 'applying'];

/** Change requests, moved between states by compare-and-set (see the contract tests). */
export interface ChangeRequestStore {
  /** stores a new request and claims its targets in one step, or refuses with nothing changed */
  create(cr: ChangeRequest): Promise<CreateResult>;
  /** for each part of a target (each instance of a bulk), the open request holding it, or null */
  holders(target: ChangeTarget): Promise<(string | null)[]>;
  get(id: string): Promise<ChangeRequest | null>;
  getMany(ids: string[]): Promise<ChangeRequest[]>;
  /** `transition` on the stored request, written only if nobody wrote in between (retried) */
  apply(id: string, event: ChangeEvent, now: Date, opts?: ApplyOptions): Promise<ApplyResult>;
  /** pending requests whose expiresAt is at or before `now`, soonest first */
  dueForExpiry(now: Date, limit?: number): Promise<ChangeRequest[]>;
  /** requests in a state, oldest first (pending ones: soonest to expire first) */
  inState(state: ChangeState, limit?: number): Promise<ChangeRequest[]>;
  /** how many requests are in each state (the metrics endpoint) */
  countsByState(): Promise<Record<ChangeState, number>>;
  pendingApprovals(limit?: number, opts?: { now?: Date; forUser?: string }): Promise<ChangeRequest[]>;
  /** requests on a resource (including bulks that contain it), newest first */
  forTarget(accountId: string, region: string, resourceId: string, limit?: number): Promise<ChangeRequest[]>;
  byRequester(userId: string, limit?: number): Promise<ChangeRequest[]>;
  /** one resource of a bulk rolled back on its own: the bulk no longer counts as its enforcement */
  unapplied(id: string, target: TargetRef): Promise<void>;
  /** the latest applied, not rolled-back enforcement on a resource */
  lastApplied(target: TargetRef): Promise<ChangeRequest | null>;
}
