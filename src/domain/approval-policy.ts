import type { Approvals } from '../config/approval-schema.js';
import type { ChangeKind, ChangeRequest } from './change-request.js';
import type { Finding, MetadataOptions, Readiness, TemplateRisk } from './model.js';

/**
 * Who may request, approve, deny and snooze changes, and whether a change is safe to make. Pure.
 *
 * Roles: approvers (approvals.approvers) also count as security. Security may request any change and
 * snooze anything; an instance's owner may request enforcement of, and snooze, their own instances
 * (and a bulk enforcement when every instance in it is theirs); only approvers request rollbacks.
 * Approving needs an approver who is not the requester and has not approved this change already.
 */

export interface Actor {
  userId: string;
  /** ids of the Slack user groups (S…) and channels (C…/G…) the user belongs to, resolved by the adapter */
  groups: readonly string[];
}

export interface TargetFacts {
  /** null when the target is not one instance (launch template, account default, bulk) */
  instanceId: string | null;
  /** null when the target is not one instance */
  readiness: Readiness | null;
  /** for a bulk: whether any instance in it is production */
  isProd: boolean;
  /** the owner's Slack user id; for a bulk, set only when one user owns every instance */
  ownerUserId: string | null;
  asg: string | null;
  templateRisk: TemplateRisk | null;
  containerHost: 'eks' | 'ecs' | null;
  /** where the bot itself runs, when known */
  botHost: { instanceId: string; inContainer: boolean } | null;
}

export type PolicyCode =
  | 'not-owner'
  | 'not-security'
  | 'not-approver'
  | 'not-pending'
  | 'self-approval'
  | 'duplicate-approval'
  | 'policy-changed'
  | 'already-compliant'
  | 'imds-disabled'
  | 'needs-confirmation'
  | 'in-use'
  | 'override-not-approver'
  | 'override-reason-too-short'
  | 'self-lockout'
  | 'nothing-to-snooze'
  | 'snooze-invalid'
  | 'snooze-too-long';

export type Refusal = { allowed: false; code: PolicyCode; reason: string };
export type Decision = { allowed: true } | Refusal;
export type GateDecision =
  | { allowed: true; confirmed: boolean; override: { reason: string } | null }
  | Refusal;

export interface Warning {
  code: 'asg-unfixed-template' | 'asg-no-template' | 'self-host';
  message: string;
}
export type GuardDecision = { allowed: true; warning: Warning | null } | Refusal;

/** What ModifyInstanceMetadataOptions is sent: every option explicit, so nothing is left to defaults. */
export type EnforceOptions = Omit<MetadataOptions, 'state' | 'httpTokens'> & { httpTokens: 'required' };

const ALLOW = { allowed: true } as const;
const refuse = (code: PolicyCode, reason: string): Refusal => ({ allowed: false, code, reason });

const member = (actor: Actor, users: readonly string[], groups: readonly string[]): boolean =>
  users.includes(actor.userId) || groups.some((g) => actor.groups.includes(g));

export const isApprover = (actor: Actor, policy: Approvals): boolean =>
  member(actor, policy.approvers.users, policy.approvers.groups);

export const isSecurity = (actor: Actor, policy: Approvals): boolean =>
  isApprover(actor, policy) ||
  member(actor, policy.security.users, [...policy.security.groups, ...policy.security.channels]);

/** Slack mrkdwn for a user, user group or channel id. */
const mention = (id: string): string => {
  if (id.startsWith('S')) return `<!subteam^${id}>`;
  if (id.startsWith('C') || id.startsWith('G')) return `<#${id}>`;
  return `<@${id}>`;
};

const label = (ids: readonly string[], role: string): string =>
  ids.length > 0
    ? ids.map(mention).join(', ')
    : `none configured: set approvals.${role} in the workflow file`;

export const approversLabel = (p: Approvals): string =>
  label([...p.approvers.groups, ...p.approvers.users], 'approvers');

export const securityLabel = (p: Approvals): string =>
  label([...p.security.groups, ...p.security.channels, ...p.security.users], 'security');

const ownerPhrase = (facts: TargetFacts): string =>
  facts.ownerUserId ? `the owner (${mention(facts.ownerUserId)})` : 'the owner (none tagged)';

const subject = (facts: TargetFacts): string => facts.instanceId ?? 'this target';

const isOwner = (actor: Actor, facts: TargetFacts): boolean =>
  facts.ownerUserId !== null && facts.ownerUserId === actor.userId;

/** Whether `actor` may open a change request of `kind` on the target. */
export function canRequest(actor: Actor, kind: ChangeKind, facts: TargetFacts, policy: Approvals): Decision {
  if (kind === 'rollback') {
    if (isApprover(actor, policy)) return ALLOW;
    return refuse('not-approver', `Only approvers (${approversLabel(policy)}) can request a rollback.`);
  }
  if (isSecurity(actor, policy)) return ALLOW;
  if ((kind === 'enforce' || kind === 'bulk-enforce') && isOwner(actor, facts)) return ALLOW;
  if (kind === 'enforce' || kind === 'bulk-enforce') {
    const who = `${ownerPhrase(facts)} or security (${securityLabel(policy)})`;
    return refuse('not-owner', `Only ${who} can request enforcement on ${subject(facts)}.`);
  }
  const why = 'it changes every instance launched later';
  return refuse('not-security', `Only security (${securityLabel(policy)}) can request a ${kind}: ${why}.`);
}

/** How many distinct approvers (none of them the requester) a change needs. A rollback needs one. */
export function requiredApprovals(facts: TargetFacts, policy: Approvals, kind?: ChangeKind): number {
  if (kind === 'rollback') return 1;
  return facts.isProd && policy.requireTwoApproversForProd ? 2 : 1;
}

/** Separation of duties: an approver, not the requester, not twice. */
export function canApprove(actor: Actor, cr: ChangeRequest, facts: TargetFacts, policy: Approvals): Decision {
  const approvers = approversLabel(policy);
  const requester = cr.requestedBy.userId === actor.userId;
  if (cr.state !== 'requested')
    return refuse('not-pending', `Change ${cr.id} is ${cr.state}: nothing to approve.`);
  if (!isApprover(actor, policy)) {
    const mine = requester ? '; you requested this change yourself' : '';
    return refuse('not-approver', `Only approvers (${approvers}) can approve${mine}.`);
  }
  if (requester) {
    return refuse(
      'self-approval',
      `You requested change ${cr.id} yourself; another approver (${approvers}) must approve it.`,
    );
  }
  if (cr.approvals.some((a) => a.userId === actor.userId)) {
    const more = cr.requiredApprovals - cr.approvals.length;
    return refuse(
      'duplicate-approval',
      `You already approved change ${cr.id}; it needs ${more} more from another approver (${approvers}).`,
    );
  }
  if (requiredApprovals(facts, policy, cr.kind) > cr.requiredApprovals) {
    const why = `${subject(facts)} is now production and needs ${requiredApprovals(facts, policy, cr.kind)} approvers`;
    return refuse('policy-changed', `${why}; deny change ${cr.id} and request it again.`);
  }
  return ALLOW;
}

/** Approvers may deny; the requester may withdraw their own request. */
export function canDeny(actor: Actor, cr: ChangeRequest, policy: Approvals): Decision {
  if (cr.state !== 'requested')
    return refuse('not-pending', `Change ${cr.id} is ${cr.state}: nothing to deny.`);
  if (isApprover(actor, policy) || cr.requestedBy.userId === actor.userId) return ALLOW;
  const who = `approvers (${approversLabel(policy)}) or the requester (${mention(cr.requestedBy.userId)})`;
  return refuse('not-approver', `Only ${who} can deny change ${cr.id}.`);
}

export interface GateInput {
  actor?: Actor;
  /** the user confirmed enforcing an instance whose IMDSv1 use is unknown */
  confirmed?: boolean;
  /** an approver's written reason to enforce on an instance that still makes IMDSv1 calls */
  overrideReason?: string;
}

function inUseGate(facts: TargetFacts, policy: Approvals, input: GateInput): GateDecision {
  const min = policy.overrideReasonMinLength;
  const approvers = approversLabel(policy);
  const reason = input.overrideReason?.trim() ?? '';
  if (input.overrideReason === undefined) {
    const why = `${subject(facts)} still makes IMDSv1 calls: enforcing now breaks whatever makes them`;
    const fix = `Update that software first, or an approver (${approvers}) can override with a reason of ${min}+ characters`;
    return refuse('in-use', `${why}. ${fix}.`);
  }
  if (!input.actor || !isApprover(input.actor, policy)) {
    return refuse('override-not-approver', `Only approvers (${approvers}) can override the readiness gate.`);
  }
  if (reason.length < min) {
    const wrote = `you wrote ${reason.length}`;
    return refuse(
      'override-reason-too-short',
      `The override reason needs at least ${min} characters (${wrote}).`,
    );
  }
  return { allowed: true, confirmed: false, override: { reason } };
}

/** Whether the target's IMDSv1 use allows enforcing now. */
export function readinessGate(facts: TargetFacts, policy: Approvals, input: GateInput = {}): GateDecision {
  const id = subject(facts);
  const pass = { allowed: true, confirmed: false, override: null } as const;
  switch (facts.readiness) {
    case null:
    case 'ready':
      return pass;
    case 'compliant':
      return refuse('already-compliant', `${id} already requires IMDSv2 tokens: nothing to do.`);
    case 'imds-disabled':
      return refuse(
        'imds-disabled',
        `${id} has its metadata endpoint disabled, so no IMDSv1: nothing to do.`,
      );
    case 'unknown':
      if (input.confirmed === true) return { ...pass, confirmed: true };
      return refuse(
        'needs-confirmation',
        `CloudWatch has no MetadataNoToken data for ${id}, so its IMDSv1 use is unknown. Confirm to enforce anyway.`,
      );
    case 'in-use':
      return inUseGate(facts, policy, input);
  }
}

const isBotHost = (facts: TargetFacts): boolean =>
  facts.botHost !== null && facts.instanceId !== null && facts.botHost.instanceId === facts.instanceId;

const runsContainers = (facts: TargetFacts): boolean =>
  facts.containerHost !== null || (isBotHost(facts) && facts.botHost?.inContainer === true);

/** Tokens required; endpoint, tags and IPv6 unchanged; hop limit raised on container hosts only. */
export function enforceOptions(
  current: MetadataOptions,
  facts: TargetFacts,
  policy: Approvals,
): EnforceOptions {
  const hopLimit = runsContainers(facts)
    ? Math.max(current.hopLimit, policy.containerHopLimit)
    : current.hopLimit;
  return {
    httpTokens: 'required',
    httpEndpoint: current.httpEndpoint,
    hopLimit,
    instanceMetadataTags: current.instanceMetadataTags,
    httpProtocolIpv6: current.httpProtocolIpv6,
  };
}

/** Refuses a change that would cut the bot off from its own credentials; warns on its own host. */
export function selfHostGuard(facts: TargetFacts, planned: Pick<EnforceOptions, 'hopLimit'>): GuardDecision {
  if (!isBotHost(facts)) return { allowed: true, warning: null };
  const id = subject(facts);
  if (facts.botHost?.inContainer === true && planned.hopLimit < 2) {
    const why = `${id} is the bot's own host and the bot runs in a container`;
    const fix = `with hop limit ${planned.hopLimit} it loses its AWS credentials once tokens are required; use 2 or more`;
    return refuse('self-lockout', `${why}: ${fix}.`);
  }
  const message = `${id} is the bot's own host: if this change breaks it, the bot cannot roll it back itself.`;
  return { allowed: true, warning: { code: 'self-host', message } };
}

/** Enforcing one instance of an Auto Scaling group does not survive its replacement. */
export function asgWarning(facts: TargetFacts): Warning | null {
  const id = subject(facts);
  const group = `Auto Scaling group ${facts.asg ?? '?'}`;
  if (facts.templateRisk === 'asg-unfixed-template') {
    const message = `${id} is in ${group}, whose launch template allows IMDSv1: replacements bring it back. Fix the template too.`;
    return { code: 'asg-unfixed-template', message };
  }
  if (facts.templateRisk === 'asg-no-template') {
    const message = `${id} is in ${group}, which launches without a launch template: replacements bring IMDSv1 back.`;
    return { code: 'asg-no-template', message };
  }
  return null;
}

/** Owners snooze their own instances, security anything; at most maxSnoozeDays. */
export function canSnooze(
  actor: Actor,
  facts: TargetFacts,
  durationDays: number,
  policy: Approvals,
): Decision {
  if (!isOwner(actor, facts) && !isSecurity(actor, policy)) {
    const who = `${ownerPhrase(facts)} or security (${securityLabel(policy)})`;
    return refuse('not-owner', `Only ${who} can snooze ${subject(facts)}.`);
  }
  if (facts.readiness === 'compliant' || facts.readiness === 'imds-disabled') {
    return refuse(
      'nothing-to-snooze',
      `${subject(facts)} no longer accepts IMDSv1 calls: nothing to snooze.`,
    );
  }
  const choices = policy.snoozeChoicesDays.join(', ');
  if (!Number.isInteger(durationDays) || durationDays < 1) {
    return refuse('snooze-invalid', `Snooze for a whole number of days: ${choices}.`);
  }
  if (durationDays > policy.maxSnoozeDays) {
    return refuse(
      'snooze-too-long',
      `Snoozes last at most ${policy.maxSnoozeDays} days; pick one of ${choices}.`,
    );
  }
  return ALLOW;
}

/** The facts of one classified instance; the adapter supplies the owner's Slack id and the bot's host. */
export function factsFromFinding(
  finding: Finding,
  ctx: { ownerUserId: string | null; botHost: TargetFacts['botHost'] },
): TargetFacts {
  return {
    instanceId: finding.instanceId,
    readiness: finding.readiness,
    isProd: finding.risk.prod,
    ownerUserId: ctx.ownerUserId,
    asg: finding.asg,
    templateRisk: finding.templateRisk,
    containerHost: finding.risk.containerHost,
    botHost: ctx.botHost,
  };
}
