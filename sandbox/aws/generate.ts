import { Fleet } from './fleet.js';
import { DEFAULT_TEAMS, defaultEmails } from './generate-owners.js';
import { generateScope, type ScopeGen } from './generate-scope.js';
import { chance, hexId, intBetween, mulberry32, pick, type Rng } from './prng.js';
import { FleetSpec, type ResolvedFleetSpec } from './schema.js';

/** A member account as the bot is told about it (workflow `scope.accounts`). */
export interface MemberAccountRef {
  id: string;
  roleArn: string;
  externalId?: string;
}

function accountIds(spec: ResolvedFleetSpec, rng: Rng): string[] {
  if (Array.isArray(spec.accounts)) return spec.accounts.map((a) => a.id);
  const ids = new Set<string>();
  while (ids.size < spec.accounts) {
    const id = String(intBetween(rng, 200_000_000_000, 999_999_999_999));
    if (id !== spec.hubAccountId) ids.add(id);
  }
  return [...ids];
}

function addAccounts(fleet: Fleet, spec: ResolvedFleetSpec, rng: Rng): string[] {
  const ids = accountIds(spec, rng);
  const explicit = Array.isArray(spec.accounts) ? spec.accounts : [];
  ids.forEach((id, index) => {
    const given = explicit[index];
    const externalId =
      given?.externalId ?? (chance(rng, spec.externalIdShare) ? hexId(rng, 'ext') : undefined);
    const denied = given?.denyAssumeRole ?? index >= ids.length - spec.deniedAccounts;
    fleet.addAccount({
      id,
      name: given?.name ?? `workload-${String(index + 1).padStart(3, '0')}`,
      roleName: spec.roleName,
      ...(externalId ? { externalId } : {}),
      denyAssumeRole: denied,
      regions: spec.regions,
    });
    if (index < spec.declarativePolicyAccounts) {
      fleet.setAccountDefault(id, '*', {
        httpTokens: 'required',
        httpPutResponseHopLimit: 2,
        managedBy: 'declarative-policy',
        managedExceptionMessage: 'Contact platform-security@example.com to request an exception.',
      });
    } else if (chance(rng, 0.1)) {
      fleet.setAccountDefault(id, pick(rng, spec.regions), { httpTokens: 'required' });
    }
  });
  return ids;
}

/** Splits `total` over `weights` exactly (largest remainder). */
function spread(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0) || 1;
  const raw = weights.map((w) => (total * w) / sum);
  const counts = raw.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

function terminateSome(
  fleet: Fleet,
  ids: readonly string[],
  spec: ResolvedFleetSpec,
  rng: Rng,
  nowMs: number,
): void {
  const candidates = ids.flatMap((accountId) =>
    spec.regions.flatMap((region) => fleet.scope(accountId, region)?.instances ?? []),
  );
  for (let k = 0; k < spec.terminated && candidates.length > 0; k++) {
    const victim = candidates.splice(Math.floor(rng() * candidates.length), 1)[0];
    if (victim) fleet.terminateInstance(victim.instanceId, new Date(nowMs - intBetween(rng, 1, 30) * 60_000));
  }
}

/**
 * A big, seeded fleet. Same spec (seed and `now`) → same fleet. Times are relative to `spec.now`
 * (default: the current time); afterwards the fleet runs on the real clock.
 */
export function generateFleet(input: FleetSpec = {}): Fleet {
  const spec = FleetSpec.parse(input);
  const nowMs = (spec.now ?? new Date()).getTime();
  const rng = mulberry32(spec.seed);
  const fleet = new Fleet({
    hubAccountId: spec.hubAccountId,
    seed: spec.seed,
    now: () => new Date(nowMs),
    hub: { regions: spec.regions, roleName: spec.roleName },
  });
  const ids = addAccounts(fleet, spec, rng);
  const scopes = ids.flatMap((accountId) => spec.regions.map((region) => ({ accountId, region })));
  const counts = spread(
    spec.instances,
    scopes.map(() => rng() ** spec.skew),
  );
  const emails = spec.owners.emails ?? defaultEmails();
  const teams = spec.owners.teams ?? DEFAULT_TEAMS;
  scopes.forEach((scope, index) => {
    const g: ScopeGen = { fleet, spec, rng, nowMs, ...scope, emails, teams };
    generateScope(g, counts[index] ?? 0);
  });
  terminateSome(fleet, ids, spec, rng, nowMs);
  fleet.useClock(() => new Date());
  return fleet;
}

/** The member accounts of a fleet (all but the hub), with the role to assume. */
export function memberAccounts(fleet: Fleet): MemberAccountRef[] {
  return fleet
    .accounts()
    .filter((a) => a.id !== fleet.hubAccountId)
    .map((a) => ({
      id: a.id,
      roleArn: `arn:aws:iam::${a.id}:role/${a.roleName}`,
      ...(a.externalId ? { externalId: a.externalId } : {}),
    }));
}
