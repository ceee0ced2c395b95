import type { AuditActor, AuditBody, AuditSession, AuditType } from '../../domain/change/audit-chain.js';
import type { AuditLog } from '../../domain/ports/audit.js';

export const SYSTEM: AuditActor = { system: 'imds-bot' };

export interface AuditFields {
  type: AuditType;
  target: AuditBody['target'];
  actor?: AuditActor;
  requestId?: string | null;
  before?: AuditBody['before'];
  after?: AuditBody['after'];
  reason?: string | null;
  awsRequestId?: string | null;
  jobId?: string | null;
  card?: AuditBody['card'];
  /** the STS session of a change made in AWS (role, session name, SourceIdentity) */
  session?: AuditSession | null;
  /** makes the append idempotent: a re-run (after a crash) finds the entry instead of adding one */
  key?: string;
}

/** One audit entry, now; what is not given is recorded as null. */
export function recordAudit(ctx: { audit: AuditLog; now: () => Date }, f: AuditFields) {
  const body: AuditBody = {
    at: ctx.now().toISOString(),
    type: f.type,
    actor: f.actor ?? SYSTEM,
    target: f.target,
    requestId: f.requestId ?? null,
    before: f.before ?? null,
    after: f.after ?? null,
    reason: f.reason ?? null,
    awsRequestId: f.awsRequestId ?? null,
    jobId: f.jobId ?? null,
    card: f.card ?? null,
    ...(f.session ? { session: f.session } : {}),
  };
  return ctx.audit.append(body, f.key ? { idempotencyKey: f.key } : {});
}

export interface Refused {
  actor: AuditActor;
  /** what was attempted: approve, deny, rollback, enforce, snooze, ack, a command… */
  action: string;
  target: AuditBody['target'];
  requestId?: string | null;
  /** the policy's code (self-approval, not-approver, unknown-request…) and what the person was told */
  code: string;
  reason: string;
}

/** A target the bot could not resolve (a forged or stale button value), as an audit target. */
export const unknownTarget = (what: string): AuditBody['target'] => ({
  accountId: 'unknown',
  region: 'unknown',
  resource: what.slice(0, 80),
});

/** A refused attempt, in the audit trail: who tried what on which target, and why it was refused. */
export function recordRefusal(ctx: { audit: AuditLog; now: () => Date }, r: Refused) {
  return recordAudit(ctx, {
    type: 'refused',
    actor: r.actor,
    target: r.target,
    requestId: r.requestId ?? null,
    reason: `${r.action} refused (${r.code}): ${r.reason}`,
  });
}
