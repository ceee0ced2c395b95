import type { Finding, MetadataOptions } from '../findings/model.js';
import { esc } from '../untrusted.js';
import {
  type Actor,
  approversLabel,
  type EnforceOptions,
  type GateDecision,
  type GuardDecision,
  isApprover,
  refuse,
  subject,
  type TargetFacts,
  type Warning,
} from './approval-roles.js';
import type { Approvals } from './approval-schema.js';

/**
 * Whether a change is safe to make: the readiness gate, the exact options sent, the bot's own host,
 * and Auto Scaling groups. Pure.
 */

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
  const group = `Auto Scaling group ${esc(facts.asg ?? '?')}`;
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

/** Facts for targets that are not one instance (a template, a default, a bulk), or an instance no scan has seen. */
export function groupFacts(isProd: boolean, ownerUserId: string | null = null): TargetFacts {
  return {
    instanceId: null,
    readiness: null,
    isProd,
    ownerUserId,
    asg: null,
    templateRisk: null,
    containerHost: null,
    botHost: null,
  };
}
