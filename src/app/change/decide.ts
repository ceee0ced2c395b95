import { readinessGate } from '../../domain/change/approval-gates.js';
import { canApprove, canDeny } from '../../domain/change/approval-policy.js';
import type { ChangeRequest, Person } from '../../domain/change/request-schema.js';
import { errorMessage } from '../../domain/errors.js';
import { escaped, lines, type Message, nothing, say, user } from '../../domain/message.js';
import { esc } from '../../domain/untrusted.js';
import { recordAudit, recordRefusal, unknownTarget } from './audit.js';
import type { ChangeContext } from './context.js';
import { completeApproval } from './resume.js';
import { auditTarget, targetOf } from './targets/index.js';
import { type InUse, inUseLine, inUseNow } from './usage-now.js';

/** The answer to the person who decided; a refusal's message is the policy's (escaped) text. */
export type Decided =
  | { ok: true; request: ChangeRequest; message: Message }
  | { ok: false; code: string; message: Message };

/** A refused decision: audited (who, what, why), then answered. */
async function refused(
  ctx: ChangeContext,
  action: 'approve' | 'deny',
  by: Person,
  id: string,
  cr: ChangeRequest | null,
  why: { code: string; message: string },
): Promise<Decided> {
  await recordRefusal(ctx, {
    actor: by,
    action,
    target: cr ? auditTarget(cr) : unknownTarget(id),
    requestId: cr ? cr.id : null,
    code: why.code,
    reason: why.message,
  });
  return { ok: false, code: why.code, message: escaped(why.message) };
}

/** IMDSv1 use read again at approval: the instances (of an enforce or a bulk) that turned in-use. */
async function usageAtApproval(
  ctx: ChangeContext,
  cr: ChangeRequest,
): Promise<{ ok: true; inUse: InUse[] } | { ok: false; message: Message }> {
  const t = cr.target;
  const gated = targetOf(t).gated(t);
  if (gated.instanceIds.length === 0 || cr.kind === 'rollback') return { ok: true, inUse: [] };
  const byRegion = new Map<string, string[]>();
  for (const instanceId of gated.instanceIds) {
    const region = gated.region ?? (await ctx.findings.locate(instanceId))?.region;
    if (region) byRegion.set(region, [...(byRegion.get(region) ?? []), instanceId]);
  }
  try {
    const inUse: InUse[] = [];
    for (const [region, some] of byRegion)
      inUse.push(...(await inUseNow(ctx, { accountId: t.accountId, region }, some)).values());
    return { ok: true, inUse };
  } catch (err) {
    const why = `could not read IMDSv1 use again before approving ${cr.id} (${errorMessage(err)})`;
    return { ok: false, message: say`Not approved: ${why}. Try again in a minute.` };
  }
}

/**
 * An approver's approval retried after a crash (or clicked again) finds the request approved or
 * beyond: it completes the unit the crash may have cut short (audit entries, the apply job) and
 * says where the request is, instead of refusing.
 */
async function approvedAlready(ctx: ChangeContext, cr: ChangeRequest): Promise<Decided> {
  await completeApproval(ctx, cr);
  // not "applying now": that is said once, to the click that reached quorum (a double click
  // would otherwise hear it twice and think it made two changes)
  return { ok: true, request: cr, message: say`Approved ${cr.id}: it is ${cr.state} now.` };
}

export interface ApproveInput {
  overrideReason?: string | undefined;
  confirmed?: boolean | undefined;
}

/**
 * An approval, re-checked against the instance as it is now: a stale card for an instance that is
 * already fixed says so and changes nothing; separation of duties and quorum are the store's CAS.
 */
export async function approve(
  ctx: ChangeContext,
  id: string,
  by: Person,
  groups: readonly string[],
  input: ApproveInput = {},
): Promise<Decided> {
  const cr = await ctx.requests.get(id);
  if (!cr)
    return refused(ctx, 'approve', by, id, null, {
      code: 'unknown-request',
      message: `No change request ${esc(id)}: the card is stale or forged.`,
    });
  const mine = cr.approvals.some((a) => a.userId === by.userId);
  if (mine && cr.state !== 'requested') return approvedAlready(ctx, cr);
  const actor = { userId: by.userId, groups };
  const current = await targetOf(cr.target).facts(ctx, cr.target);
  const { finding } = current;
  if (cr.kind === 'enforce' && !finding)
    return {
      ok: false,
      code: 'instance-gone',
      message: say`${id}: the scans no longer see this instance (terminated?): nothing to approve.`,
    };
  const live = await usageAtApproval(ctx, cr);
  if (!live.ok) return { ok: false, code: 'usage-unreadable', message: live.message };
  const turned = cr.kind === 'enforce' ? live.inUse[0] : undefined;
  const facts = turned ? { ...current.facts, readiness: 'in-use' as const } : current.facts;
  let override: { reason: string } | undefined;
  if (cr.kind === 'enforce') {
    const gate = readinessGate(facts, ctx.workflow.approvals, {
      actor,
      confirmed: input.confirmed === true,
      ...(input.overrideReason === undefined ? {} : { overrideReason: input.overrideReason }),
    });
    if (!gate.allowed) {
      const again =
        turned && gate.code === 'in-use'
          ? say` ${inUseLine(turned)}. Click Approve again to write an override reason, or deny.`
          : nothing;
      return { ok: false, code: gate.code, message: say`${escaped(gate.reason)}${again}` };
    }
    if (gate.override) override = gate.override;
  }
  const skipping =
    cr.kind === 'bulk-enforce' && live.inUse.length > 0
      ? say`\n:red_circle: ${live.inUse.length} instance(s) will be skipped, not enforced:\n${lines(
          ...live.inUse.slice(0, 10).map((u) => say`• ${inUseLine(u)}`),
        )}`
      : nothing;
  const { result, request } = await ctx.requests.apply(
    id,
    { type: 'approve', by, ...(override ? { override } : {}) },
    ctx.now(),
    { guard: (fresh) => canApprove(actor, fresh, facts, ctx.workflow.approvals) },
  );
  if (!result.ok) return refused(ctx, 'approve', by, id, request, result);
  await recordAudit(ctx, {
    type: 'approved',
    actor: by,
    target: auditTarget(request),
    requestId: id,
    reason: override?.reason ?? null,
    key: `${id}:approved:${by.userId}`,
  });
  if (override)
    await recordAudit(ctx, {
      type: 'override',
      actor: by,
      target: auditTarget(request),
      requestId: id,
      reason: override.reason,
      key: `${id}:override:${by.userId}`,
    });
  const quorum = request.state === 'approved';
  if (quorum) await ctx.jobs.enqueueApply(id);
  await ctx.notifier.changed(
    request,
    say`:white_check_mark: ${user(by.userId)} approved${override ? say` with an override: ${override.reason}` : nothing}${quorum ? say`; applying now.` : say`; waiting for one more approver.`}${skipping}`,
  );
  const answer = quorum
    ? say`Approved ${id}: applying now.`
    : say`Approved ${id}; it needs one more approver (not the requester, not you).`;
  return { ok: true, request, message: say`${answer}${skipping}` };
}

/** Deny (approvers), or withdraw (the requester), with a reason. */
export async function deny(
  ctx: ChangeContext,
  id: string,
  by: Person,
  groups: readonly string[],
  reason: string,
): Promise<Decided> {
  const actor = { userId: by.userId, groups };
  const { result, request } = await ctx.requests
    .apply(id, { type: 'deny', by, reason }, ctx.now(), {
      guard: (fresh) => canDeny(actor, fresh, ctx.workflow.approvals),
    })
    .catch(() => ({
      result: { ok: false as const, code: 'unknown-request', message: `No change request ${esc(id)}.` },
      request: null,
    }));
  if (!result.ok || !request)
    return refused(ctx, 'deny', by, id, request, {
      code: result.ok ? 'unknown-request' : result.code,
      message: result.ok ? `No change request ${esc(id)}.` : result.message,
    });
  await recordAudit(ctx, {
    type: 'denied',
    actor: by,
    target: auditTarget(request),
    requestId: id,
    reason,
    key: `${id}:denied`,
  });
  await ctx.notifier.changed(request, say`:no_entry: ${user(by.userId)} denied: ${reason}`);
  return { ok: true, request, message: say`Denied ${id}.` };
}

/** The sweeper: requests nobody decided in time expire, and their cards say so. */
export async function expireDue(ctx: ChangeContext): Promise<number> {
  const due = await ctx.requests.dueForExpiry(ctx.now(), 100);
  let expired = 0;
  for (const cr of due) {
    const { result, request } = await ctx.requests.apply(cr.id, { type: 'expire' }, ctx.now());
    if (!result.ok) continue;
    expired += 1;
    await recordAudit(ctx, {
      type: 'expired',
      actor: { system: 'expiry' },
      target: auditTarget(request),
      requestId: cr.id,
      key: `${cr.id}:expired`,
    });
    await ctx.notifier.changed(
      request,
      say`:clock3: Expired: nobody approved it in time. Request it again if it is still wanted.`,
    );
  }
  return expired;
}
