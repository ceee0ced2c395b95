import { z } from 'zod';

/**
 * A small IAM policy evaluator for the emulator: enough to simulate what imds-bot's roles and
 * session policies allow (deploy/iam/*.json, the bot's read-only scan session policy). It follows
 * the IAM evaluation logic for one account: an explicit Deny in any policy wins; otherwise every
 * policy type present (the role's identity policies, the session policy) must allow the request.
 * Supported: Action / NotAction and Resource / NotResource with `*` and `?` wildcards, and the
 * condition operators StringEquals, StringNotEquals, StringLike, StringNotLike (and their
 * IfExists forms) over the request's context keys. Any other operator never matches (fail closed
 * for an Allow, and a Deny whose condition cannot be read does not apply, as IAM treats a missing
 * key). NotPrincipal, policy variables and the other operator families are not modelled.
 */

const Strings = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

export const PolicyStatement = z.looseObject({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: Strings.optional(),
  NotAction: Strings.optional(),
  Resource: Strings.optional(),
  NotResource: Strings.optional(),
  Condition: z.record(z.string(), z.record(z.string(), Strings)).optional(),
});
export type PolicyStatement = z.infer<typeof PolicyStatement>;

export const PolicyDocument = z.looseObject({
  Version: z.string().optional(),
  Statement: z
    .union([PolicyStatement, z.array(PolicyStatement)])
    .transform((s) => (Array.isArray(s) ? s : [s])),
});
export type PolicyDocument = z.infer<typeof PolicyDocument>;

/** What one call asks for, as IAM sees it. */
export interface AuthzRequest {
  /** `ec2:ModifyInstanceMetadataOptions` */
  action: string;
  /** the resource ARN, or `*` for actions without resource-level permissions */
  resource: string;
  /** condition keys: `ec2:Attribute/HttpTokens`, `aws:SourceIdentity`… (lower-cased names) */
  context: Map<string, string>;
}

export type Decision =
  | { allowed: true }
  | { allowed: false; explicit: boolean; policyType: 'identity-based policy' | 'session policy' };

/** compiled once per pattern: every call of an assumed-role session is evaluated */
const compiled = new Map<string, RegExp>();

function wildcard(pattern: string, caseInsensitive: boolean): RegExp {
  const key = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`, caseInsensitive ? 'i' : '');
  compiled.set(key, re);
  return re;
}

const anyMatches = (patterns: string[], value: string, caseInsensitive: boolean): boolean =>
  patterns.some((p) => wildcard(p, caseInsensitive).test(value));

function inList(
  list: string[] | undefined,
  notList: string[] | undefined,
  value: string,
  ci: boolean,
): boolean {
  if (list) return anyMatches(list, value, ci);
  if (notList) return !anyMatches(notList, value, ci);
  return false;
}

function conditionHolds(
  operator: string,
  key: string,
  wanted: string[],
  context: Map<string, string>,
): boolean {
  const ifExists = operator.endsWith('IfExists');
  const op = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const actual = context.get(key.toLowerCase());
  if (actual === undefined) return ifExists || op === 'StringNotEquals' || op === 'StringNotLike';
  switch (op) {
    case 'StringEquals':
      return wanted.includes(actual);
    case 'StringNotEquals':
      return !wanted.includes(actual);
    case 'StringLike':
      return anyMatches(wanted, actual, false);
    case 'StringNotLike':
      return !anyMatches(wanted, actual, false);
    default:
      return false;
  }
}

function applies(s: PolicyStatement, request: AuthzRequest): boolean {
  if (!inList(s.Action, s.NotAction, request.action, true)) return false;
  if (!inList(s.Resource, s.NotResource, request.resource, false)) return false;
  return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, wanted]) => conditionHolds(operator, key, wanted, request.context)),
  );
}

const matching = (docs: PolicyDocument[], effect: 'Allow' | 'Deny', request: AuthzRequest): boolean =>
  docs.some((d) => d.Statement.some((s) => s.Effect === effect && applies(s, request)));

/**
 * `identity` null: the role's policies are not modelled (everything it asks is allowed by them);
 * `session` null: the session has no session policy.
 */
export function evaluate(
  identity: PolicyDocument[] | null,
  session: PolicyDocument | null,
  request: AuthzRequest,
): Decision {
  if (session && matching([session], 'Deny', request))
    return { allowed: false, explicit: true, policyType: 'session policy' };
  if (identity && matching(identity, 'Deny', request))
    return { allowed: false, explicit: true, policyType: 'identity-based policy' };
  if (identity && !matching(identity, 'Allow', request))
    return { allowed: false, explicit: false, policyType: 'identity-based policy' };
  if (session && !matching([session], 'Allow', request))
    return { allowed: false, explicit: false, policyType: 'session policy' };
  return { allowed: true };
}

/** IAM's wording: `… with an explicit deny in a session policy` / `… because no session policy allows …`. */
export const denialReason = (d: Exclude<Decision, { allowed: true }>, action: string): string =>
  d.explicit
    ? `with an explicit deny in a ${d.policyType}`
    : `because no ${d.policyType} allows the ${action} action`;
