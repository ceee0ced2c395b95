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
  /** share of instances that are not laggards, 0–100, one decimal; 100 when there are none */
  percentCompliant: z.number().min(0).max(100),
  /** IMDSv1 calls over the usage window, all instances */
  v1Calls: z.number().nonnegative(),
  launchTemplates: Fraction,
  accountDefaults: Fraction,
  scopes: z.object({ scanned: Count, failed: Count }),
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
 * 100 × non-laggards / instances, rounded to 0.1; 100 for an empty set (nothing left to fix).
 * Rounding never reaches 100 while a laggard remains, nor 0 while one instance is compliant.
 */
export function percentCompliant(instances: number, laggards: number): number {
  if (instances === 0) return 100;
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

/** Distinct failed scopes; an account-wide failure (region null) counts once for the account. */
const failedScopes = (errors: readonly ScanError[]): number =>
  new Set(errors.map((e) => `${e.accountId}:${e.region ?? '*'}`)).size;

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
    scopes: { scanned: snapshots.length, failed: failedScopes(errors) },
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
    percentCompliant: percentCompliant(t.instances, t.laggards),
  }));
  return rows.sort((a, b) => b.laggards - a.laggards || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** One summary for a whole scan from the summaries of its scopes (and the scan-wide errors). */
export function mergeSummaries(parts: readonly ScanSummary[], errors: readonly ScanError[]): ScanSummary {
  const byReadiness = emptyReadinessCounts();
  const total = { instances: 0, laggards: 0, v1Calls: 0, scanned: 0 };
  const templates = { total: 0, notEnforcing: 0 };
  const defaults = { total: 0, notEnforcing: 0 };
  for (const p of parts) {
    total.instances += p.instances;
    total.laggards += p.laggards;
    total.v1Calls += p.v1Calls;
    total.scanned += p.scopes.scanned;
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
    scopes: { scanned: total.scanned, failed: failedScopes(errors) },
  };
}
