import { z } from 'zod';

/**
 * An IAM policy document as Organizations' DescribePolicy returns it for a service control policy
 * (Content: JSON text), normalised so the evaluator sees one shape: Statement always a list,
 * Action / NotAction / Resource / NotResource always lists, every condition value a list of strings.
 * Pure; a document that is not JSON or not a policy is an error value, never a throw.
 */

const OneOrMany = z.union([z.string(), z.array(z.string())]);
const ConditionValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean()])),
]);

const RawStatement = z.object({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: OneOrMany.optional(),
  NotAction: OneOrMany.optional(),
  Resource: OneOrMany.optional(),
  NotResource: OneOrMany.optional(),
  Condition: z.record(z.string(), z.record(z.string(), ConditionValue)).optional(),
});

const RawDocument = z.object({
  Version: z.string().optional(),
  Statement: z.union([RawStatement, z.array(RawStatement)]),
});

/** One condition entry: `operator` as written (IfExists and set qualifiers included), one key. */
export interface ConditionEntry {
  operator: string;
  key: string;
  values: string[];
}

export interface Statement {
  sid: string | null;
  effect: 'Allow' | 'Deny';
  /** null when the statement uses NotAction instead */
  actions: string[] | null;
  notActions: string[] | null;
  /** null when the statement uses NotResource instead (SCPs allow only Resource '*' in Allow) */
  resources: string[] | null;
  notResources: string[] | null;
  conditions: ConditionEntry[];
}

export type ParsedPolicy = { ok: true; statements: Statement[] } | { ok: false; error: string };

const list = (v: string | string[] | undefined): string[] | null =>
  v === undefined ? null : Array.isArray(v) ? v : [v];

const asStrings = (v: z.infer<typeof ConditionValue>): string[] =>
  (Array.isArray(v) ? v : [v]).map((x) => String(x));

function normalise(s: z.infer<typeof RawStatement>): Statement {
  const conditions: ConditionEntry[] = [];
  for (const [operator, byKey] of Object.entries(s.Condition ?? {}))
    for (const [key, value] of Object.entries(byKey))
      conditions.push({ operator, key, values: asStrings(value) });
  return {
    sid: s.Sid ?? null,
    effect: s.Effect,
    actions: list(s.Action),
    notActions: list(s.NotAction),
    resources: list(s.Resource),
    notResources: list(s.NotResource),
    conditions,
  };
}

/** Parses the Content of a DescribePolicy answer. */
export function parsePolicyDocument(content: string): ParsedPolicy {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return { ok: false, error: 'policy content is not JSON' };
  }
  const parsed = RawDocument.safeParse(json);
  if (!parsed.success) return { ok: false, error: 'policy content is not an IAM policy document' };
  const raw = Array.isArray(parsed.data.Statement) ? parsed.data.Statement : [parsed.data.Statement];
  return { ok: true, statements: raw.map(normalise) };
}

/**
 * IAM's wildcard match: `*` any run of characters, `?` one character. Action names compare
 * case-insensitively (IAM treats `ec2:runinstances` as `ec2:RunInstances`); ARNs case-sensitively.
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'si' : 's').test(value);
}

/** Whether the statement's Action (or NotAction) covers `action`. */
export function coversAction(s: Statement, action: string): boolean {
  if (s.actions !== null) return s.actions.some((a) => wildcardMatch(a, action, true));
  if (s.notActions !== null) return !s.notActions.some((a) => wildcardMatch(a, action, true));
  return false;
}

/**
 * Whether the statement's Resource covers every resource of the ARN pattern `wanted` (such as
 * `arn:aws:ec2:*:*:instance/*`): a pattern that matches the wildcard ARN itself matches them all; one
 * naming a region or account covers only part.
 */
export function coversResource(s: Statement, wanted: string): boolean {
  if (s.resources !== null) return s.resources.some((r) => wildcardMatch(r, wanted, false));
  if (s.notResources !== null) return !s.notResources.some((r) => wildcardMatch(r, wanted, false));
  return false;
}
