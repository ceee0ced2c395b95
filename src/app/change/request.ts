import {
  asgWarning,
  enforceOptions,
  groupFacts,
  readinessGate,
  selfHostGuard,
} from '../../domain/change/approval-gates.js';
import { replaceWarning } from '../../domain/change/instance-refresh.js';
import type { ChangeRequest, ChangeTarget, Person } from '../../domain/change/request-schema.js';
import type { Finding } from '../../domain/findings/model.js';
import { code, escaped, type Message, nothing, say, state, user } from '../../domain/message.js';
import type { Where } from '../../domain/ports/notifier.js';
import type { ChangeContext } from './context.js';
import { alreadyRequired } from './finding-update.js';
import { alreadyOpen, file, type RequestOutcome } from './request-file.js';
import { capturedBefore } from './rollback.js';
import { asBulk } from './targets/bulk.js';
import { targetOf } from './targets/index.js';
import { factsOf } from './targets/instance.js';

/**
 * Requests on instances: enforce one, enforce an owner's or an account's ready laggards, roll back an
 * applied change. Filing is shared (request-file.ts); template and account-default fixes are in
 * request-prevention.ts.
 */

const optionsOf = (f: Finding) => ({
  httpTokens: f.httpTokens,
  httpEndpoint: f.httpEndpoint,
  hopLimit: f.hopLimit,
});

/** Enforce IMDSv2 on one instance: owners for their own, security for any; approvers decide. */
export async function requestEnforce(
  ctx: ChangeContext,
  f: Finding,
  by: Person,
  groups: readonly string[],
  reason: string | null,
  where: Where,
): Promise<RequestOutcome> {
  const already = await alreadyRequired(ctx.findings, f);
  if (already) return { ok: false, reason: already };
  const facts = await factsOf(ctx, f);
  const gate = readinessGate(facts, ctx.workflow.approvals, {
    confirmed: true,
    overrideReason: 'x'.repeat(ctx.workflow.approvals.overrideReasonMinLength),
  });
  if (!gate.allowed && (gate.code === 'already-compliant' || gate.code === 'imds-disabled'))
    return { ok: false, reason: escaped(gate.reason) };
  const notes: Message[] = [];
  if (f.readiness === 'in-use')
    notes.push(
      say`:red_circle: Still makes IMDSv1 calls (${f.usage?.noTokenCalls ?? '?'} in the window, last ${f.usage?.lastSeen ?? '?'}): an approver must give a written reason to override.`,
    );
  if (f.readiness === 'unknown')
    notes.push(say`:white_circle: CloudWatch cannot tell its IMDSv1 use: approving asks for confirmation.`);
  // the hop limit the change would leave (tags and IPv6 are read again at apply time)
  const current = {
    httpTokens: f.httpTokens,
    httpEndpoint: f.httpEndpoint,
    hopLimit: f.hopLimit,
    state: f.metadataState,
    instanceMetadataTags: 'disabled' as const,
    httpProtocolIpv6: 'disabled' as const,
  };
  const planned = enforceOptions(current, facts, ctx.workflow.approvals);
  const self = selfHostGuard(facts, planned);
  if (!self.allowed) return { ok: false, reason: escaped(self.reason) };
  if (self.warning) notes.push(say`:rotating_light: ${escaped(self.warning.message)}`);
  // enforced in place, the fix is undone when the group replaces the instance: said, with the fix
  // (the template, then a refresh; an EKS node group: the node-group update)
  const asg = asgWarning(facts);
  const undone = asg ? replaceWarning({ ...f, httpTokens: 'required' }) : null;
  if (undone) notes.push(undone);
  const target: ChangeTarget = {
    type: 'instance',
    accountId: f.accountId,
    region: f.region,
    instanceId: f.instanceId,
  };
  return file(ctx, {
    kind: 'enforce',
    target,
    resource: f.instanceId,
    facts,
    by,
    groups,
    reason,
    before: optionsOf(f),
    notes,
    where,
  });
}

/** The findings no open request holds yet, and the requests holding the others. */
async function notHeld(ctx: ChangeContext, accountId: string, findings: Finding[]) {
  if (findings.length === 0) return { free: findings, held: new Set<string>() };
  const instanceIds = findings.map((f) => f.instanceId);
  const holders = await ctx.requests.holders({
    type: 'bulk',
    accountId,
    region: null,
    owner: null,
    instanceIds,
  });
  return {
    free: findings.filter((_, i) => !holders[i]),
    held: new Set(holders.filter((h): h is string => h !== null)),
  };
}

/** Every ready laggard of one owner (or one account): one request, one approval, many jobs. */
export async function requestBulk(
  ctx: ChangeContext,
  findings: Finding[],
  scope: { accountId: string; owner: string | null },
  by: Person,
  groups: readonly string[],
  where: Where,
): Promise<RequestOutcome> {
  const candidates = findings
    .filter((f) => f.readiness === 'ready' && f.accountId === scope.accountId)
    .slice(0, 1000);
  const { free: ready, held } = await notHeld(ctx, scope.accountId, candidates);
  if (ready.length === 0 && held.size > 0) return alreadyOpen(ctx, [...held][0] ?? '');
  if (ready.length === 0)
    return {
      ok: false,
      reason: say`No instance of ${scope.accountId}${scope.owner ? say` owned by ${user(scope.owner)}` : nothing} is ready to enforce.`,
    };
  const regions = [...new Set(ready.map((f) => f.region))];
  const target: ChangeTarget = {
    type: 'bulk',
    accountId: scope.accountId,
    region: regions.length === 1 ? (regions[0] ?? null) : null,
    owner: scope.owner,
    instanceIds: ready.map((f) => f.instanceId),
  };
  const facts = groupFacts(
    ready.some((f) => f.risk.prod),
    scope.owner,
  );
  const notes = [
    say`${ready.length} ready instance(s) in ${regions.join(', ')}; applied at most ${4}/s per region to stay under EC2's limits.`,
    ...(held.size > 0
      ? [
          say`${candidates.length - ready.length} more are left out: already in open request(s) ${[...held].join(', ')}.`,
        ]
      : []),
  ];
  const resource = `bulk:${scope.owner ?? 'account'}`;
  return file(ctx, {
    kind: 'bulk-enforce',
    target,
    resource,
    facts,
    by,
    groups,
    reason: null,
    before: null,
    notes,
    where,
  });
}

/** Back out an applied change: approvers only, with a reason; another approver confirms. A bulk is
 * rolled back whole, or one of its instances (`instanceId`), to exactly the state captured before. */
export async function requestRollback(
  ctx: ChangeContext,
  original: ChangeRequest,
  by: Person,
  groups: readonly string[],
  reason: string,
  where: Where,
  instanceId?: string,
): Promise<RequestOutcome> {
  if (original.state !== 'applied')
    return {
      ok: false,
      reason: say`${original.id} is ${original.state}, not applied: there is nothing to roll back.`,
    };
  if (original.kind === 'find-caller')
    return {
      ok: false,
      reason: say`${original.id} only looked for the IMDSv1 caller: it changed nothing to roll back.`,
    };
  const t = original.target;
  const asker = { by, groups, reason, where };
  const ofBulk = asBulk(original);
  if (ofBulk) return rollbackOfBulk(ctx, ofBulk, asker, instanceId);
  const kind = targetOf(t);
  const refused = await kind.rollbackRefused?.(ctx, original);
  if (refused) return { ok: false, reason: refused };
  const notes = [say`Restores exactly the state captured before ${original.id}: ${state(original.before)}.`];
  return file(ctx, {
    kind: 'rollback',
    target: t,
    resource: kind.auditTarget(t, original.id).resource,
    facts: groupFacts(false),
    by,
    groups,
    reason,
    before: original.after as never,
    rollbackOf: original.id,
    notes,
    where,
  });
}

type BulkRequest = NonNullable<ReturnType<typeof asBulk>>;
type Asker = { by: Person; groups: readonly string[]; reason: string; where: Where };

/** The instances of a bulk still enforced by it (not rolled back since), with their regions. */
async function stillEnforcedBy(ctx: ChangeContext, bulk: BulkRequest, ids: string[]) {
  const t = bulk.target;
  const out: { instanceId: string; region: string }[] = [];
  for (const instanceId of ids) {
    const region = t.region ?? (await ctx.findings.locate(instanceId))?.region;
    if (!region) continue;
    const last = await ctx.requests.lastApplied({ accountId: t.accountId, region, resource: instanceId });
    if (last?.id === bulk.id && (await capturedBefore(ctx, bulk, instanceId)))
      out.push({ instanceId, region });
  }
  return out;
}

async function rollbackOfBulk(
  ctx: ChangeContext,
  bulk: BulkRequest,
  a: Asker,
  instanceId?: string,
): Promise<RequestOutcome> {
  const t = bulk.target;
  const wanted = instanceId ? [instanceId] : t.instanceIds;
  const left = await stillEnforcedBy(ctx, bulk, wanted);
  if (left.length === 0)
    return {
      ok: false as const,
      reason: instanceId
        ? say`${code(instanceId)} is not enforced by ${bulk.id} any more (rolled back, or never changed by it): nothing to roll back.`
        : say`No instance of ${bulk.id} is still enforced by it: nothing to roll back.`,
    };
  const one = left.length === 1 && instanceId ? left[0] : undefined;
  const regions = [...new Set(left.map((l) => l.region))];
  const target: ChangeTarget = one
    ? { type: 'instance', accountId: t.accountId, region: one.region, instanceId: one.instanceId }
    : {
        type: 'bulk',
        accountId: t.accountId,
        region: regions.length === 1 ? (regions[0] ?? null) : null,
        owner: t.owner,
        instanceIds: left.map((l) => l.instanceId),
      };
  const what = one ? code(one.instanceId) : say`${String(left.length)} instance(s)`;
  return file(ctx, {
    kind: 'rollback',
    target,
    resource: one ? one.instanceId : `bulk:${bulk.id}`,
    facts: groupFacts(false),
    by: a.by,
    groups: a.groups,
    reason: a.reason,
    before: null,
    rollbackOf: bulk.id,
    notes: [say`Restores ${what} of bulk ${bulk.id} to exactly the state captured before each was enforced.`],
    where: a.where,
  });
}
