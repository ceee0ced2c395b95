import { z } from 'zod';
import { isLaggard, templateEnforces } from './classify.js';
import { type Finding, Readiness, type ScanError, type ScopeSnapshot } from './model.js';

/**
 * KPIs over a whole scan, and per-key breakdowns (per account, per owner). Pure.
 */

const Count = z.number().int().nonnegative();
const Fraction = z.object({ total: Count, notEnforcing: Count });

export const ReadinessCounts = z.record(Readiness, Count);
export type ReadinessCounts = z.infer<typeof ReadinessCounts>;

export const ScanSummary = z.object({
  instances: Count,
  byReadiness: ReadinessCounts,
  laggards: Count,
  /** share of the instances seen that are not laggards, 0–100, one decimal; null when none was seen */
  percentCompliant: z.number().min(0).max(100).nullable(),
  /** IMDSv1 calls over the usage window, all instances */
  v1Calls: z.number().nonnegative(),
  launchTemplates: Fraction,
  accountDefaults: Fraction,
  /** scanned: read completely; partial: instances read, some part missing; failed: no instances read */
  scopes: z.object({ scanned: Count, partial: Count.default(0), failed: Count }),
});
export type ScanSummary = z.infer<typeof ScanSummary>;

export const RollupRow = z.object({
  key: z.string(),
  instances: Count,
  laggards: Count,
  byReadiness: ReadinessCounts,
  percentCompliant: z.number().min(0).max(100),
});
export type RollupRow = z.infer<typeof RollupRow>;

export const emptyReadinessCounts = (): ReadinessCounts =>
  Object.fromEntries(Readiness.options.map((r) => [r, 0])) as ReadinessCounts;

/**
 * 100 × non-laggards / instances, rounded to 0.1; null when no instance was seen (a scan that
 * read nothing is not "100% done"). Rounding never reaches 100 while a laggard remains, nor 0
 * while one instance is compliant.
 */
export function percentCompliant(instances: number, laggards: number): number | null {
  if (instances === 0) return null;
  const rounded = Math.round((1000 * (instances - laggards)) / instances) / 10;
  if (laggards > 0 && rounded === 100) return 99.9;
  if (laggards < instances && rounded === 0) return 0.1;
  return rounded;
}

interface Tally {
  instances: number;
  laggards: number;
  byReadiness: ReadinessCounts;
}

const newTally = (): Tally => ({ instances: 0, laggards: 0, byReadiness: emptyReadinessCounts() });

function add(t: Tally, f: Finding): void {
  t.instances += 1;
  t.byReadiness[f.readiness] += 1;
  if (isLaggard(f)) t.laggards += 1;
}

function templateCounts(snapshots: readonly ScopeSnapshot[]): z.infer<typeof Fraction> {
  let total = 0;
  let notEnforcing = 0;
  for (const s of snapshots) {
    for (const t of s.launchTemplates) {
      total += 1;
      if (!templateEnforces(t.httpTokens, s.accountDefault)) notEnforcing += 1;
    }
  }
  return { total, notEnforcing };
}

function accountDefaultCounts(snapshots: readonly ScopeSnapshot[]): z.infer<typeof Fraction> {
  const read = snapshots.flatMap((s) => (s.accountDefault === null ? [] : [s.accountDefault]));
  return { total: read.length, notEnforcing: read.filter((d) => d.httpTokens !== 'required').length };
}

const errorScope = (e: ScanError): string => `${e.accountId}:${e.region ?? '*'}`;

/** Distinct failed scopes; an account-wide failure (region null) counts once for the account. */
const failedScopes = (errors: readonly ScanError[]): Set<string> =>
  new Set(errors.filter((e) => !e.partial).map(errorScope));

/** The stored scopes split into complete and partial; a scope with a failure counts as failed only. */
function scopeCounts(
  snapshots: readonly ScopeSnapshot[],
  errors: readonly ScanError[],
): ScanSummary['scopes'] {
  const failed = failedScopes(errors);
  const partial = new Set(errors.filter((e) => e.partial).map(errorScope));
  const stored = snapshots.map((s) => `${s.accountId}:${s.region}`).filter((k) => !failed.has(k));
  const partialCount = stored.filter((k) => partial.has(k)).length;
  return { scanned: stored.length - partialCount, partial: partialCount, failed: failed.size };
}

/** "12.5%", or "n/a" when no instance was seen. */
export const percentText = (p: number | null): string => (p === null ? 'n/a' : `${p}%`);

export function summarize(snapshots: readonly ScopeSnapshot[], errors: readonly ScanError[]): ScanSummary {
  const tally = newTally();
  let v1Calls = 0;
  for (const s of snapshots) {
    for (const f of s.findings) {
      add(tally, f);
      v1Calls += f.usage?.noTokenCalls ?? 0;
    }
  }
  return {
    ...tally,
    percentCompliant: percentCompliant(tally.instances, tally.laggards),
    v1Calls,
    launchTemplates: templateCounts(snapshots),
    accountDefaults: accountDefaultCounts(snapshots),
    scopes: scopeCounts(snapshots, errors),
  };
}

/** Findings grouped by `key`, most laggards first, then by key. */
export function rollup(findings: readonly Finding[], key: (f: Finding) => string): RollupRow[] {
  const groups = new Map<string, Tally>();
  for (const f of findings) {
    const k = key(f);
    let t = groups.get(k);
    if (t === undefined) {
      t = newTally();
      groups.set(k, t);
    }
    add(t, f);
  }
  const rows = [...groups].map(([k, t]) => ({
    key: k,
    ...t,
    // a row has at least one instance
    percentCompliant: percentCompliant(t.instances, t.laggards) ?? 100,
  }));
  return rows.sort((a, b) => b.laggards - a.laggards || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** One summary for a whole scan from the summaries of its scopes (and the scan-wide errors). */
export function mergeSummaries(parts: readonly ScanSummary[], errors: readonly ScanError[]): ScanSummary {
  const byReadiness = emptyReadinessCounts();
  const total = { instances: 0, laggards: 0, v1Calls: 0, scanned: 0, partial: 0 };
  const templates = { total: 0, notEnforcing: 0 };
  const defaults = { total: 0, notEnforcing: 0 };
  for (const p of parts) {
    total.instances += p.instances;
    total.laggards += p.laggards;
    total.v1Calls += p.v1Calls;
    total.scanned += p.scopes.scanned;
    total.partial += p.scopes.partial;
    for (const r of Readiness.options) byReadiness[r] += p.byReadiness[r];
    templates.total += p.launchTemplates.total;
    templates.notEnforcing += p.launchTemplates.notEnforcing;
    defaults.total += p.accountDefaults.total;
    defaults.notEnforcing += p.accountDefaults.notEnforcing;
  }
  return {
    instances: total.instances,
    byReadiness,
    laggards: total.laggards,
    percentCompliant: percentCompliant(total.instances, total.laggards),
    v1Calls: total.v1Calls,
    launchTemplates: templates,
    accountDefaults: defaults,
    scopes: { scanned: total.scanned, partial: total.partial, failed: failedScopes(errors).size },
  };
}
