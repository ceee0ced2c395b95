import { describeCondition, evaluateConditions, type Firing, type Probe } from './conditions.js';
import { coversAction, coversResource, parsePolicyDocument, type Statement } from './policy-document.js';

/**
 * What a service control policy does against IMDSv1, statement by statement. The shapes follow the
 * EC2 User Guide's example policies for instance metadata
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-instance-metadata):
 * deny RunInstances unless `ec2:MetadataHttpTokens` is `required`; deny ModifyInstanceMetadataOptions
 * to all but an admin role (`aws:PrincipalARN`), or deny opting out (`ec2:Attribute/HttpTokens`);
 * deny everything signed with role credentials delivered by IMDSv1 (`ec2:RoleDelivery` < 2.0); deny
 * launches above a hop limit (`ec2:MetadataHttpPutResponseHopLimit`). Rather than match those texts,
 * each statement is evaluated against probes (a launch asking for optional, one leaving HttpTokens
 * out, one requiring it...), so `ec2:*`, `ec2:Run*`, NotAction, StringEquals "optional" plus Null,
 * IfExists and value lists all read for what they do. Pure.
 */

export const ProtectionKinds = [
  'launch-requires-tokens',
  'modify-restricted',
  'role-delivery-v2',
  'hop-limit-max',
] as const;
export type ProtectionKind = (typeof ProtectionKinds)[number];

export interface Protection {
  kind: ProtectionKind;
  policyId: string;
  policyName: string;
  sid: string | null;
  /** the principals or requests the statement spares (its break-glass exception), for people */
  exceptions: string[];
  /** null: protects every ordinary launch / call; otherwise why it protects only part */
  partial: string | null;
  /** modify-restricted: 'all' denies every change to the options, 'opt-out' only a change to optional */
  mode?: 'all' | 'opt-out';
  /** hop-limit-max: the highest hop limit a launch may ask for */
  maxHopLimit?: number;
}

export interface PolicyRef {
  id: string;
  name: string;
}

export type PolicyAnalysis = { ok: true; protections: Protection[] } | { ok: false; error: string };

const INSTANCE_ARN = 'arn:aws:ec2:*:*:instance/*';
const TOKENS = 'ec2:MetadataHttpTokens';
const HOP = 'ec2:MetadataHttpPutResponseHopLimit';
const ATTR_TOKENS = 'ec2:Attribute/HttpTokens';
const ROLE_DELIVERY = 'ec2:RoleDelivery';

type Found = Omit<Protection, 'policyId' | 'policyName' | 'sid'>;

const exceptionsOf = (f: Firing): string[] => f.exceptions.map(describeCondition);

const scopeNote = (f: Firing): string | null =>
  f.scopedBy.length === 0 ? null : `only when ${f.scopedBy.map(describeCondition).join(' and ')}`;

function launchProtection(s: Statement): Found | null {
  if (!coversAction(s, 'ec2:RunInstances')) return null;
  const fire = (probe: Probe) => evaluateConditions(s.conditions, probe);
  const optional = fire({ [TOKENS]: 'optional' });
  const unset = fire({});
  if (fire({ [TOKENS]: 'required' }).fires) return null; // not about tokens: it denies compliant launches too
  if (!optional.fires && !unset.fires) return null;
  const resource = coversResource(s, INSTANCE_ARN)
    ? null
    : `only resources ${(s.resources ?? []).join(', ')}`;
  const which = !unset.fires
    ? 'a launch that leaves HttpTokens out is not denied'
    : !optional.fires
      ? 'a launch that asks for HttpTokens optional is not denied'
      : null;
  const partial = [which, resource, scopeNote(optional.fires ? optional : unset)].filter((x) => x !== null);
  return {
    kind: 'launch-requires-tokens',
    exceptions: exceptionsOf(optional.fires ? optional : unset),
    partial: partial.length === 0 ? null : partial.join('; '),
  };
}

function modifyProtection(s: Statement): Found | null {
  if (!coversAction(s, 'ec2:ModifyInstanceMetadataOptions')) return null;
  const toOptional = evaluateConditions(s.conditions, { [ATTR_TOKENS]: 'optional' });
  if (!toOptional.fires) return null;
  const toRequired = evaluateConditions(s.conditions, { [ATTR_TOKENS]: 'required' });
  const resource = coversResource(s, INSTANCE_ARN)
    ? null
    : `only resources ${(s.resources ?? []).join(', ')}`;
  const partial = [resource, scopeNote(toOptional)].filter((x) => x !== null);
  return {
    kind: 'modify-restricted',
    mode: toRequired.fires ? 'all' : 'opt-out',
    exceptions: exceptionsOf(toOptional),
    partial: partial.length === 0 ? null : partial.join('; '),
  };
}

/** Actions of different services: a statement covering all of them reads as covering every action. */
const SAMPLE_ACTIONS = ['s3:GetObject', 'iam:PassRole', 'sts:GetCallerIdentity', 'ec2:DescribeInstances'];

function roleDeliveryProtection(s: Statement): Found | null {
  const v1 = evaluateConditions(s.conditions, { [ROLE_DELIVERY]: '1.0' });
  if (!v1.fires || evaluateConditions(s.conditions, { [ROLE_DELIVERY]: '2.0' }).fires) return null;
  if (!SAMPLE_ACTIONS.some((a) => coversAction(s, a))) return null;
  const actions = SAMPLE_ACTIONS.every((a) => coversAction(s, a))
    ? null
    : `only actions ${(s.actions ?? s.notActions ?? []).join(', ')}`;
  const partial = [actions, scopeNote(v1)].filter((x) => x !== null);
  return {
    kind: 'role-delivery-v2',
    exceptions: exceptionsOf(v1),
    partial: partial.length === 0 ? null : partial.join('; '),
  };
}

function hopLimitProtection(s: Statement): Found | null {
  if (!coversAction(s, 'ec2:RunInstances')) return null;
  const denied = (hop: number) =>
    evaluateConditions(s.conditions, { [TOKENS]: 'required', [HOP]: String(hop) });
  if (denied(1).fires) return null;
  for (let hop = 2; hop <= 64; hop++) {
    const f = denied(hop);
    if (!f.fires) continue;
    const partial = scopeNote(f);
    return { kind: 'hop-limit-max', maxHopLimit: hop - 1, exceptions: exceptionsOf(f), partial };
  }
  return null;
}

const FINDERS = [launchProtection, modifyProtection, roleDeliveryProtection, hopLimitProtection];

/** Every protection the statements of one SCP give; Allow statements give none. */
export function analyseScp(policy: PolicyRef, content: string): PolicyAnalysis {
  const parsed = parsePolicyDocument(content);
  if (!parsed.ok) return parsed;
  const protections: Protection[] = [];
  for (const s of parsed.statements) {
    if (s.effect !== 'Deny') continue;
    for (const find of FINDERS) {
      const found = find(s);
      if (found) protections.push({ ...found, policyId: policy.id, policyName: policy.name, sid: s.sid });
    }
  }
  return { ok: true, protections };
}
