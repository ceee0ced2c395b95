import { z } from 'zod';
import { isLaggard, templateEnforces } from './classify.js';
import { Finding, LaunchTemplate, type ScopeSnapshot } from './model.js';

/**
 * What changed in one scope between two scans. Pure, O(n) over both snapshots.
 */

export const GoneInstance = z.object({ instanceId: z.string(), wasLaggard: z.boolean() });
export type GoneInstance = z.infer<typeof GoneInstance>;

export const ScopeDiff = z.object({
  /** no previous snapshot: every current laggard is in newLaggards, nothing else can be reported */
  firstScan: z.boolean(),
  /** laggards now that were not in the previous snapshot */
  newLaggards: z.array(Finding),
  /** laggards before, compliant or IMDS disabled now */
  fixed: z.array(Finding),
  /** compliant or IMDS disabled before, laggards now: drift */
  regressed: z.array(Finding),
  /** in the previous snapshot, not in this one (terminated, or filtered out) */
  gone: z.array(GoneInstance),
  /** templates whose default version enforced IMDSv2 before and does not now (current record) */
  regressedTemplates: z.array(LaunchTemplate),
  /** the account default required tokens before and does not now */
  accountDefaultRegressed: z.boolean(),
});
export type ScopeDiff = z.infer<typeof ScopeDiff>;

export interface DiffCounts {
  new: number;
  fixed: number;
  regressed: number;
  gone: number;
}

function diffFindings(prev: ScopeSnapshot, curr: ScopeSnapshot) {
  const before = new Map(prev.findings.map((f) => [f.instanceId, f]));
  const newLaggards: Finding[] = [];
  const fixed: Finding[] = [];
  const regressed: Finding[] = [];
  for (const f of curr.findings) {
    const old = before.get(f.instanceId);
    before.delete(f.instanceId);
    if (old === undefined) {
      if (isLaggard(f)) newLaggards.push(f);
    } else if (isLaggard(old) && !isLaggard(f)) {
      fixed.push(f);
    } else if (!isLaggard(old) && isLaggard(f)) {
      regressed.push(f);
    }
  }
  const gone = [...before.values()].map((f) => ({ instanceId: f.instanceId, wasLaggard: isLaggard(f) }));
  return { newLaggards, fixed, regressed, gone };
}

/**
 * Templates that enforced before and do not now. A template that leaves HttpTokens unset leans on the
 * account default; when the current default could not be read (null) that is no evidence of regression.
 */
function regressedTemplatesOf(prev: ScopeSnapshot, curr: ScopeSnapshot): LaunchTemplate[] {
  const before = new Map(prev.launchTemplates.map((t) => [t.launchTemplateId, t]));
  return curr.launchTemplates.filter((t) => {
    const old = before.get(t.launchTemplateId);
    if (old === undefined || !templateEnforces(old.httpTokens, prev.accountDefault)) return false;
    if (t.httpTokens === null && curr.accountDefault === null) return false;
    return !templateEnforces(t.httpTokens, curr.accountDefault);
  });
}

/** Required before, readable and not required now. An unreadable current default proves nothing. */
function accountDefaultRegressed(prev: ScopeSnapshot, curr: ScopeSnapshot): boolean {
  if (prev.accountDefault?.httpTokens !== 'required' || curr.accountDefault === null) return false;
  return curr.accountDefault.httpTokens !== 'required';
}

export function diffSnapshots(prev: ScopeSnapshot | null, curr: ScopeSnapshot): ScopeDiff {
  if (prev === null) {
    return {
      firstScan: true,
      newLaggards: curr.findings.filter(isLaggard),
      fixed: [],
      regressed: [],
      gone: [],
      regressedTemplates: [],
      accountDefaultRegressed: false,
    };
  }
  return {
    firstScan: false,
    ...diffFindings(prev, curr),
    regressedTemplates: regressedTemplatesOf(prev, curr),
    accountDefaultRegressed: accountDefaultRegressed(prev, curr),
  };
}

export function countDiff(d: ScopeDiff): DiffCounts {
  return {
    new: d.newLaggards.length,
    fixed: d.fixed.length,
    regressed: d.regressed.length,
    gone: d.gone.length,
  };
}
