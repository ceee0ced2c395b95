import { randomBytes } from 'node:crypto';
import {
  asgWarning,
  canRequest,
  enforceOptions,
  readinessGate,
  requiredApprovals,
  selfHostGuard,
  type TargetFacts,
} from '../domain/approval-policy.js';
import {
  type ChangeKind,
  type ChangeRequest,
  type ChangeTarget,
  createChangeRequest,
  type Person,
} from '../domain/change-request.js';
import type { Finding } from '../domain/model.js';
import { recordAudit } from './audit.js';
import { postRequestCard } from './cards.js';
import type { ChangeContext } from './context.js';
import { factsOf, groupFacts } from './facts.js';

/** Where the request came from: a digest card's thread hears how it goes. */
export type Where = { channelId: string | null; messageTs?: string | null };

export type RequestOutcome =
  | { ok: true; request: ChangeRequest; existing: boolean; notes: string[] }
  | { ok: false; reason: string };

const OPEN_STATES = new Set(['requested', 'approved', 'applying']);
export const newRequestId = () => `cr-${randomBytes(6).toString('hex')}`;

/** A pending request for the same target is reused: a double click asks once. */
async function openRequestFor(
  ctx: ChangeContext,
  accountId: string,
  region: string,
  resource: string,
  kind: ChangeKind,
): Promise<ChangeRequest | null> {
  const list = await ctx.requests.forTarget(accountId, region, resource, 10);
  return list.find((cr) => cr.kind === kind && OPEN_STATES.has(cr.state)) ?? null;
}

interface NewRequest {
  kind: ChangeKind;
  target: ChangeTarget;
  resource: string;
  facts: TargetFacts;
  by: Person;
  groups: readonly string[];
  reason: string | null;
  before: Record<string, string | number | boolean> | null;
  rollbackOf?: string;
  notes: string[];
  where: Where;
}

async function file(ctx: ChangeContext, r: NewRequest): Promise<RequestOutcome> {
  const allowed = canRequest(
    { userId: r.by.userId, groups: r.groups },
    r.kind,
    r.facts,
    ctx.workflow.approvals,
  );
  if (!allowed.allowed) return { ok: false, reason: allowed.reason };
  const t = r.target;
  const existing = await openRequestFor(
    ctx,
    t.accountId,
    t.type === 'bulk' ? (t.region ?? '*') : t.region,
    r.resource,
    r.kind,
  );
  if (existing) return { ok: true, request: existing, existing: true, notes: [] };
  const cr = createChangeRequest(
    {
      id: newRequestId(),
      kind: r.kind,
      target: t,
      requestedBy: r.by,
      reason: r.reason,
      before: r.before,
      requiredApprovals: requiredApprovals(r.facts, ctx.workflow.approvals, r.kind),
      ttlHours: ctx.workflow.approvals.requestTtlHours,
      ...(r.rollbackOf ? { rollbackOf: r.rollbackOf } : {}),
    },
    ctx.now(),
  );
  if (!(await ctx.requests.create(cr))) return { ok: false, reason: 'That request id is taken; try again.' };
  await recordAudit(ctx, {
    type: 'requested',
    actor: r.by,
    target: {
      accountId: t.accountId,
      region: t.type === 'bulk' ? (t.region ?? '*') : t.region,
      resource: r.resource,
    },
    requestId: cr.id,
    before: r.before,
    reason: r.reason,
    key: `${cr.id}:requested`,
  });
  if (r.where.channelId && r.where.messageTs) {
    await ctx.redis.set(
      `${ctx.prefix}:cr-origin:${cr.id}`,
      JSON.stringify({ channel: r.where.channelId, ts: r.where.messageTs }),
      'EX',
      30 * 86_400,
    );
  }
  await postRequestCard(ctx, cr, r.notes);
  return { ok: true, request: cr, existing: false, notes: r.notes };
}

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
  const facts = await factsOf(ctx, f);
  const gate = readinessGate(facts, ctx.workflow.approvals, {
    confirmed: true,
    overrideReason: 'x'.repeat(ctx.workflow.approvals.overrideReasonMinLength),
  });
  if (!gate.allowed && (gate.code === 'already-compliant' || gate.code === 'imds-disabled'))
    return { ok: false, reason: gate.reason };
  const notes: string[] = [];
  if (f.readiness === 'in-use')
    notes.push(
      `:red_circle: Still makes IMDSv1 calls (${f.usage?.noTokenCalls ?? '?'} in the window, last ${f.usage?.lastSeen ?? '?'}): an approver must give a written reason to override.`,
    );
  if (f.readiness === 'unknown')
    notes.push(':white_circle: CloudWatch cannot tell its IMDSv1 use: approving asks for confirmation.');
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
  if (!self.allowed) return { ok: false, reason: self.reason };
  if (self.warning) notes.push(`:rotating_light: ${self.warning.message}`);
  const asg = asgWarning(facts);
  if (asg) {
    const fix =
      f.templateRisk === 'asg-unfixed-template' && f.launchTemplate
        ? ` Fix the template too: \`/imds fix-template ${f.accountId} ${f.region} ${f.launchTemplate.id}\``
        : '';
    notes.push(`:warning: ${asg.message}${fix}`);
  }
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

/** Every ready laggard of one owner (or one account): one request, one approval, many jobs. */
export async function requestBulk(
  ctx: ChangeContext,
  findings: Finding[],
  scope: { accountId: string; owner: string | null },
  by: Person,
  groups: readonly string[],
  where: Where,
): Promise<RequestOutcome> {
  const ready = findings
    .filter((f) => f.readiness === 'ready' && f.accountId === scope.accountId)
    .slice(0, 1000);
  if (ready.length === 0)
    return {
      ok: false,
      reason: `No instance of ${scope.accountId}${scope.owner ? ` owned by <@${scope.owner}>` : ''} is ready to enforce.`,
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
    `${ready.length} ready instance(s) in ${regions.join(', ')}; applied at most ${4}/s per region to stay under EC2's limits.`,
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

/** A new launch-template version requiring IMDSv2, made the default. Security only. */
export async function requestTemplateFix(
  ctx: ChangeContext,
  t: { accountId: string; region: string; launchTemplateId: string },
  by: Person,
  groups: readonly string[],
  where: Where,
): Promise<RequestOutcome> {
  const target: ChangeTarget = { type: 'launch-template', ...t };
  const notes = [
    'Instances launched from the template afterwards require IMDSv2; running ones are unchanged.',
  ];
  return file(ctx, {
    kind: 'launch-template-fix',
    target,
    resource: t.launchTemplateId,
    facts: groupFacts(true),
    by,
    groups,
    reason: null,
    before: null,
    notes,
    where,
  });
}

/** The account's default for new instances in a region. Refused up front under a declarative policy. */
export async function requestAccountDefault(
  ctx: ChangeContext,
  scope: { accountId: string; region: string },
  by: Person,
  groups: readonly string[],
  where: Where,
): Promise<RequestOutcome> {
  const snap = await ctx.findings.getSnapshot(scope);
  const current = snap?.accountDefault;
  if (current?.managedBy === 'declarative-policy') {
    return {
      ok: false,
      reason: `The instance metadata default of ${scope.accountId}/${scope.region} is owned by an AWS Organizations declarative policy${current.managedExceptionMessage ? ` (${current.managedExceptionMessage})` : ''}: change it in the organization's management account, not here.`,
    };
  }
  if (current?.httpTokens === 'required')
    return {
      ok: false,
      reason: `${scope.accountId}/${scope.region} already defaults new instances to IMDSv2.`,
    };
  const target: ChangeTarget = { type: 'account-default', ...scope };
  const before = current
    ? {
        httpTokens: current.httpTokens,
        httpEndpoint: current.httpEndpoint,
        instanceMetadataTags: current.instanceMetadataTags,
        ...(current.hopLimit === null ? {} : { hopLimit: current.hopLimit }),
      }
    : null;
  return file(ctx, {
    kind: 'account-default',
    target,
    resource: 'account-default',
    facts: groupFacts(true),
    by,
    groups,
    reason: null,
    before,
    notes: ['New instances in this account and region will require IMDSv2 unless they say otherwise.'],
    where,
  });
}

/** Back out an applied change: approvers only, with a reason; another approver confirms. */
export async function requestRollback(
  ctx: ChangeContext,
  original: ChangeRequest,
  by: Person,
  groups: readonly string[],
  reason: string,
  where: Where,
): Promise<RequestOutcome> {
  if (original.state !== 'applied')
    return {
      ok: false,
      reason: `${original.id} is ${original.state}, not applied: there is nothing to roll back.`,
    };
  const t = original.target;
  if (t.type === 'bulk')
    return {
      ok: false,
      reason: `Roll back the instances of bulk ${original.id} one by one: \`/imds rollback <instance-id> <reason>\`.`,
    };
  const resource =
    t.type === 'instance'
      ? t.instanceId
      : t.type === 'launch-template'
        ? t.launchTemplateId
        : 'account-default';
  const notes = [
    `Restores exactly the state captured before ${original.id}: ${JSON.stringify(original.before)}.`,
  ];
  return file(ctx, {
    kind: 'rollback',
    target: t,
    resource,
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
