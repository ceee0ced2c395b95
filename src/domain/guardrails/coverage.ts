import {
  type DeclarativeNode,
  defaultsRequireTokens,
  type EffectiveDefaults,
  effectiveDefaults,
  parseDeclarativePolicy,
} from './declarative.js';
import { analyseScp, type Protection, type ProtectionKind, ProtectionKinds } from './scp.js';

/**
 * Which organization policies protect each account, through the tree: a policy attached to the
 * root, to any OU on the way down, or to the account itself applies to the account (an SCP's deny
 * holds below wherever it is attached; declarative policies inherit per their operators). And which
 * OUs have no protection at all. Input is what ListRoots / ListOrganizationalUnitsForParent /
 * ListAccountsForParent and ListPolicies / DescribePolicy / ListTargetsForPolicy read. Pure.
 */

export interface OrgUnit {
  id: string;
  name: string;
  /** null for the root */
  parentId: string | null;
}

export interface OrgAccount {
  id: string;
  name: string;
  parentId: string;
}

export interface OrgPolicy {
  id: string;
  name: string;
  type: 'SERVICE_CONTROL_POLICY' | 'DECLARATIVE_POLICY_EC2';
  /** DescribePolicy Content: JSON text */
  content: string;
  /** ListTargetsForPolicy TargetIds: root, OU or account ids */
  targets: string[];
}

export interface AppliedProtection extends Protection {
  /** the root, OU or account the policy is attached to */
  attachedTo: string;
}

export interface AccountCoverage {
  accountId: string;
  name: string;
  /** root first, down to the OU the account is in */
  path: string[];
  /** protections that apply in full */
  protections: AppliedProtection[];
  /** statements that protect only part (a region, some resources, only launches that ask for optional...) */
  partial: AppliedProtection[];
  /** kinds no full protection covers */
  missing: ProtectionKind[];
  declarative: EffectiveDefaults | null;
  /** the declarative policy makes new launches default to tokens required */
  declarativeRequiresTokens: boolean;
}

export interface OuCoverage {
  id: string;
  name: string;
  path: string[];
  kinds: ProtectionKind[];
  declarativeRequiresTokens: boolean;
}

export interface PolicyError {
  policyId: string;
  policyName: string;
  error: string;
}

export interface OrgCoverage {
  accounts: AccountCoverage[];
  ous: OuCoverage[];
  /** OUs (and the root) under which nothing protects: no full SCP protection, no declarative default */
  unprotectedOus: OuCoverage[];
  errors: PolicyError[];
}

interface Attached {
  scp: AppliedProtection[];
  declarative: { policyId: string; node: DeclarativeNode }[];
}

function attachments(policies: readonly OrgPolicy[], errors: PolicyError[]): Map<string, Attached> {
  const byTarget = new Map<string, Attached>();
  const at = (id: string): Attached => {
    const found = byTarget.get(id) ?? { scp: [], declarative: [] };
    byTarget.set(id, found);
    return found;
  };
  for (const p of policies) {
    const fail = (error: string) => errors.push({ policyId: p.id, policyName: p.name, error });
    if (p.type === 'SERVICE_CONTROL_POLICY') {
      const a = analyseScp({ id: p.id, name: p.name }, p.content);
      if (!a.ok) fail(a.error);
      else for (const t of p.targets) at(t).scp.push(...a.protections.map((x) => ({ ...x, attachedTo: t })));
      continue;
    }
    const d = parseDeclarativePolicy(p.content);
    if (!d.ok) fail(d.error);
    else if (d.node !== null)
      for (const t of p.targets) at(t).declarative.push({ policyId: p.id, node: d.node });
  }
  return byTarget;
}

/** Root first, down to `id` itself; a cycle or an unknown parent ends the walk. */
function pathTo(id: string, units: ReadonlyMap<string, OrgUnit>): string[] {
  const path: string[] = [];
  const seen = new Set<string>();
  for (let at: string | null = id; at !== null && !seen.has(at); at = units.get(at)?.parentId ?? null) {
    seen.add(at);
    if (!units.has(at)) break;
    path.unshift(at);
  }
  return path;
}

interface Summed {
  full: AppliedProtection[];
  partial: AppliedProtection[];
  declarative: EffectiveDefaults | null;
}

function sumAlong(targets: readonly string[], attached: ReadonlyMap<string, Attached>): Summed {
  const all = targets.flatMap((t) => attached.get(t)?.scp ?? []);
  const levels = targets.map((t) => attached.get(t)?.declarative ?? []);
  return {
    full: all.filter((p) => p.partial === null),
    partial: all.filter((p) => p.partial !== null),
    declarative: effectiveDefaults(levels),
  };
}

const kindsOf = (ps: readonly AppliedProtection[]): ProtectionKind[] =>
  ProtectionKinds.filter((k) => ps.some((p) => p.kind === k));

export function organizationCoverage(
  units: readonly OrgUnit[],
  accounts: readonly OrgAccount[],
  policies: readonly OrgPolicy[],
): OrgCoverage {
  const errors: PolicyError[] = [];
  const attached = attachments(policies, errors);
  const byId = new Map(units.map((u) => [u.id, u]));
  const ous = units.map((u): OuCoverage => {
    const path = pathTo(u.id, byId);
    const summed = sumAlong(path, attached);
    return {
      id: u.id,
      name: u.name,
      path,
      kinds: kindsOf(summed.full),
      declarativeRequiresTokens: defaultsRequireTokens(summed.declarative),
    };
  });
  const accountRows = accounts.map((a): AccountCoverage => {
    const path = pathTo(a.parentId, byId);
    const summed = sumAlong([...path, a.id], attached);
    const kinds = kindsOf(summed.full);
    return {
      accountId: a.id,
      name: a.name,
      path,
      protections: summed.full,
      partial: summed.partial,
      missing: ProtectionKinds.filter((k) => !kinds.includes(k)),
      declarative: summed.declarative,
      declarativeRequiresTokens: defaultsRequireTokens(summed.declarative),
    };
  });
  const unprotectedOus = ous.filter((o) => o.kinds.length === 0 && !o.declarativeRequiresTokens);
  return { accounts: accountRows, ous, unprotectedOus, errors };
}
