import { type ConditionEntry, wildcardMatch } from './policy-document.js';

/**
 * IAM condition evaluation against a probe: the request context of one imagined call (a launch
 * with HttpTokens optional, a launch that leaves it out, a modify to optional...). Only the IMDS keys
 * the probe names are evaluated; a condition on any other key (aws:PrincipalArn, a principal tag)
 * says who the statement spares or targets, and is reported rather than guessed. Pure.
 *
 * Operator semantics, from the IAM User Guide (Condition operators; "...IfExists"; the Null
 * operator): a missing key makes a positive operator false and a negated one (StringNotEquals,
 * StringNotLike, ArnNotLike, NumericNotEquals) true; IfExists makes any operator true on a missing
 * key; Null "true" holds when the key is missing. Keys compare case-insensitively.
 */

/** The condition keys a probe may set; any other key is about the principal or the request. */
export const IMDS_KEYS = [
  'ec2:MetadataHttpTokens',
  'ec2:MetadataHttpPutResponseHopLimit',
  'ec2:MetadataHttpEndpoint',
  'ec2:RoleDelivery',
  'ec2:Attribute/HttpTokens',
  'ec2:Attribute/HttpPutResponseHopLimit',
  'ec2:Attribute/HttpEndpoint',
] as const;
const IMDS = new Set<string>(IMDS_KEYS.map((k) => k.toLowerCase()));

/** key (any case) -> its value; a key absent from the probe is absent from the request. */
export type Probe = Readonly<Record<string, string>>;

interface Operator {
  base: string;
  ifExists: boolean;
}

const parseOperator = (raw: string): Operator => {
  const noQualifier = raw.replace(/^(ForAnyValue|ForAllValues):/i, '');
  const ifExists = /IfExists$/i.test(noQualifier);
  return { base: ifExists ? noQualifier.slice(0, -'IfExists'.length) : noQualifier, ifExists };
};

const NEGATED = new Set([
  'stringnotequals',
  'stringnotequalsignorecase',
  'stringnotlike',
  'arnnotequals',
  'arnnotlike',
  'numericnotequals',
]);

const isNegated = (op: Operator): boolean => NEGATED.has(op.base.toLowerCase());

type Compare = (actual: string, wanted: string) => boolean;

const num =
  (f: (a: number, b: number) => boolean): Compare =>
  (a, b) => {
    const x = Number(a);
    const y = Number(b);
    return !Number.isNaN(x) && !Number.isNaN(y) && f(x, y);
  };

/** The positive form of each operator IAM defines (the negated ones invert it). */
const POSITIVE: Record<string, Compare> = {
  stringequals: (a, b) => a === b,
  stringequalsignorecase: (a, b) => a.toLowerCase() === b.toLowerCase(),
  stringlike: (a, b) => wildcardMatch(b, a, false),
  arnequals: (a, b) => wildcardMatch(b, a, false),
  arnlike: (a, b) => wildcardMatch(b, a, false),
  numericequals: num((a, b) => a === b),
  numericlessthan: num((a, b) => a < b),
  numericlessthanequals: num((a, b) => a <= b),
  numericgreaterthan: num((a, b) => a > b),
  numericgreaterthanequals: num((a, b) => a >= b),
  bool: (a, b) => a.toLowerCase() === b.toLowerCase(),
};

const positiveOf = (base: string): Compare | undefined => {
  const lower = base.toLowerCase();
  const positive = NEGATED.has(lower) ? lower.replace('not', '') : lower;
  return POSITIVE[positive];
};

/** true / false for an entry on a probed key; null when the operator is not one IAM defines here. */
function evaluateKnown(entry: ConditionEntry, op: Operator, actual: string | undefined): boolean | null {
  if (op.base.toLowerCase() === 'null') {
    const wantsMissing = entry.values.some((v) => v.toLowerCase() === 'true');
    return wantsMissing === (actual === undefined);
  }
  const compare = positiveOf(op.base);
  if (compare === undefined) return null;
  if (actual === undefined) return op.ifExists || isNegated(op);
  const anyMatch = entry.values.some((v) => compare(actual, v));
  return isNegated(op) ? !anyMatch : anyMatch;
}

export interface Firing {
  /** every condition on a probed key holds for this probe */
  fires: boolean;
  /** conditions on other keys that spare the principals they name (StringNotLike aws:PrincipalArn ...) */
  exceptions: ConditionEntry[];
  /** conditions on other keys that limit the statement to the requests they name, or that we cannot read */
  scopedBy: ConditionEntry[];
}

const probeValue = (probe: Probe, key: string): string | undefined => {
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(probe)) if (k.toLowerCase() === lower) return v;
  return undefined;
};

/** Whether a statement's Condition block holds for the probe (entries are ANDed). */
export function evaluateConditions(conditions: readonly ConditionEntry[], probe: Probe): Firing {
  const out: Firing = { fires: true, exceptions: [], scopedBy: [] };
  for (const entry of conditions) {
    const op = parseOperator(entry.operator);
    if (!IMDS.has(entry.key.toLowerCase())) {
      // an ordinary principal fails a negated match against named principals: spared are only those named
      (isNegated(op) ? out.exceptions : out.scopedBy).push(entry);
      continue;
    }
    const holds = evaluateKnown(entry, op, probeValue(probe, entry.key));
    if (holds === null) out.scopedBy.push(entry);
    else if (!holds) out.fires = false;
  }
  return out;
}

/** One line for people: `aws:PrincipalArn StringNotLike arn:aws:iam::*:role/break-glass`. */
export const describeCondition = (c: ConditionEntry): string =>
  `${c.key} ${c.operator} ${c.values.join(', ')}`;
