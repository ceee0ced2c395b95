/**
 * EC2 declarative policies (Organizations policy type DECLARATIVE_POLICY_EC2), the
 * `ec2_attributes.instance_metadata_defaults` attribute: the IMDS defaults for new launches that an
 * account cannot change itself (GetInstanceMetadataDefaults then answers ManagedBy
 * `declarative-policy`). Syntax and values from the Organizations User Guide, "Declarative policy
 * syntax and examples", Instance Metadata Defaults
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_declarative_syntax.html):
 * http_tokens no_preference | required | optional; http_put_response_hop_limit -1..64 (-1: no
 * preference; the guide recommends at least 2 with required); http_endpoint and
 * instance_metadata_tags no_preference | enabled | disabled. The guide notes it "sets defaults only
 * and does not enforce IMDS version settings": a launch that asks for optional still gets it, so
 * this is a default, not a block (an SCP blocks).
 *
 * Inheritance follows the management-policy rules ("Policy syntax and inheritance for management
 * policy types"): a child's `@@assign` replaces its parent's, unless the parent restricted child
 * operators with `@@operators_allowed_for_child_policies: ["@@none"]` at that level or above. Pure.
 */

export const IMDS_DEFAULT_FIELDS = [
  'http_tokens',
  'http_put_response_hop_limit',
  'http_endpoint',
  'instance_metadata_tags',
] as const;
export type ImdsDefaultField = (typeof IMDS_DEFAULT_FIELDS)[number];

/** The values a policy assigns, as written ('required', '2', 'no_preference'...). */
export type ImdsDefaults = Partial<Record<ImdsDefaultField, string>>;

export interface DeclarativeNode {
  /** what this one policy assigns */
  assigns: ImdsDefaults;
  /** fields whose value children may no longer change */
  locks: ImdsDefaultField[];
  exceptionMessage: string | null;
}

export type ParsedDeclarative = { ok: true; node: DeclarativeNode | null } | { ok: false; error: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const OPS = '@@operators_allowed_for_child_policies';
const locksChildren = (o: Obj): boolean => {
  const ops = o[OPS];
  return Array.isArray(ops) && ops.some((x) => x === '@@none');
};

const assigned = (v: unknown): string | null => {
  if (!isObj(v)) return null;
  const a = v['@@assign'];
  return typeof a === 'string' || typeof a === 'number' ? String(a) : null;
};

/**
 * The instance_metadata_defaults part of one declarative policy's Content; node null when the
 * policy sets other EC2 attributes only.
 */
export function parseDeclarativePolicy(content: string): ParsedDeclarative {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return { ok: false, error: 'policy content is not JSON' };
  }
  if (!isObj(json) || !isObj(json.ec2_attributes)) return { ok: false, error: 'no ec2_attributes' };
  const ec2 = json.ec2_attributes;
  const imds = ec2.instance_metadata_defaults;
  if (!isObj(imds)) return { ok: true, node: null };
  const above = locksChildren(ec2) || locksChildren(imds);
  const node: DeclarativeNode = { assigns: {}, locks: [], exceptionMessage: assigned(ec2.exception_message) };
  for (const field of IMDS_DEFAULT_FIELDS) {
    const entry = imds[field];
    const value = assigned(entry);
    if (value !== null) node.assigns[field] = value;
    if (above || (isObj(entry) && locksChildren(entry))) node.locks.push(field);
  }
  return { ok: true, node };
}

export interface EffectiveDefaults {
  values: ImdsDefaults;
  /** for each field, the policy whose value holds */
  from: Partial<Record<ImdsDefaultField, string>>;
  exceptionMessage: string | null;
}

/**
 * The effective defaults for an account, from the declarative policies attached along its path,
 * outermost (the root) first; policies on one level in any order. Null when none sets a field.
 */
export function effectiveDefaults(
  levels: readonly { policyId: string; node: DeclarativeNode }[][],
): EffectiveDefaults | null {
  const out: EffectiveDefaults = { values: {}, from: {}, exceptionMessage: null };
  const locked = new Set<ImdsDefaultField>();
  for (const level of levels) {
    const lockedHere: ImdsDefaultField[] = [];
    for (const { policyId, node } of level) {
      for (const field of IMDS_DEFAULT_FIELDS) {
        const value = node.assigns[field];
        if (value === undefined || locked.has(field)) continue;
        out.values[field] = value;
        out.from[field] = policyId;
      }
      lockedHere.push(...node.locks);
      if (node.exceptionMessage !== null) out.exceptionMessage = node.exceptionMessage;
    }
    for (const f of lockedHere) locked.add(f);
  }
  return Object.keys(out.values).length === 0 ? null : out;
}

/** A default that makes new launches require tokens (unless the launch itself asks otherwise). */
export const defaultsRequireTokens = (d: EffectiveDefaults | null): boolean =>
  d?.values.http_tokens === 'required';
