import type { MetadataOptions, Readiness, TemplateRisk } from '../findings/model.js';
import { esc } from '../untrusted.js';
import type { Approvals } from './approval-schema.js';

/**
 * The vocabulary of the approval policy (who acts, what is known of the target, how a decision reads)
 * and its roles: approvers (approvals.approvers) also count as security. Pure.
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

export const ALLOW = { allowed: true } as const;
export const refuse = (code: PolicyCode, reason: string): Refusal => ({ allowed: false, code, reason });

/** The target named in a policy message (mrkdwn: the id is AWS's data, so it is escaped). */
export const subject = (facts: TargetFacts): string =>
  facts.instanceId ? esc(facts.instanceId) : 'this target';

const member = (actor: Actor, users: readonly string[], groups: readonly string[]): boolean =>
  users.includes(actor.userId) || groups.some((g) => actor.groups.includes(g));

export const isApprover = (actor: Actor, policy: Approvals): boolean =>
  member(actor, policy.approvers.users, policy.approvers.groups);

export const isSecurity = (actor: Actor, policy: Approvals): boolean =>
  isApprover(actor, policy) ||
  member(actor, policy.security.users, [...policy.security.groups, ...policy.security.channels]);

/**
 * Slack mrkdwn for a user, user group or channel id; anything that is not such an id is shown as
 * (escaped) text. Policy messages are mrkdwn: their other values go through `esc`.
 */
export const mention = (id: string): string => {
  if (/^S[A-Z0-9]{2,20}$/.test(id)) return `<!subteam^${id}>`;
  if (/^[CG][A-Z0-9]{2,20}$/.test(id)) return `<#${id}>`;
  if (/^[UW][A-Z0-9]{2,20}$/.test(id)) return `<@${id}>`;
  return esc(id);
};

const label = (ids: readonly string[], role: string): string =>
  ids.length > 0
    ? ids.map(mention).join(', ')
    : `none configured: set approvals.${role} in the workflow file`;

export const approversLabel = (p: Approvals): string =>
  label([...p.approvers.groups, ...p.approvers.users], 'approvers');

export const securityLabel = (p: Approvals): string =>
  label([...p.security.groups, ...p.security.channels, ...p.security.users], 'security');
