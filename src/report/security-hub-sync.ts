import { z } from 'zod';
import { isLaggard } from '../domain/findings/classify.js';
import type { Scope } from '../domain/findings/model.js';
import { type AsffFinding, type AsffOptions, archiveBasisOf, asffArchived, asffFinding } from './asff.js';
import type { Report } from './report.js';
import { findingUid } from './security-findings.js';

/**
 * Which findings one scan sends to Security Hub, and what it leaves open there. Pure: the
 * findings open in Security Hub (imported FAILED and not resolved since) come in, the plan goes
 * out; the adapter sends it and records what was accepted.
 *
 * - every laggard: FAILED (Security Hub keeps the finding's id, so a re-import updates it);
 * - an open finding whose instance now requires tokens (or has IMDS off): PASSED, so Security Hub
 *   resolves it (it sets Workflow RESOLVED itself when a control passes);
 * - an open finding whose instance is gone from a scope this scan read completely: ARCHIVED.
 *   A scope with an error (failed, or a part missing) proves nothing about what is gone, nor does
 *   a scope the scan did not cover (a scan of one account): those stay open.
 * Compliant instances that were never laggards are not sent: one finding per laggard.
 */

export const OpenFinding = z.object({
  accountId: z.string(),
  region: z.string(),
  instanceId: z.string(),
  createdAt: z.string(),
  severity: z.string(),
  owner: z.string().nullable(),
});
export type OpenFinding = z.infer<typeof OpenFinding>;

export interface ImportPlan {
  findings: AsffFinding[];
  /** imported FAILED: open once accepted */
  opened: Map<string, OpenFinding>;
  /** resolved (PASSED) or archived: closed once accepted */
  closed: Set<string>;
}

const scopeKey = (s: { accountId: string; region: string }) => `${s.accountId}/${s.region}`;

/** The scopes of `scanned` that ended with no error at all. */
export function completeScopes(scanned: Scope[], errors: Report['errors']): Set<string> {
  const hurt = (s: Scope) =>
    errors.some((e) => e.accountId === s.accountId && (e.region === null || e.region === s.region));
  return new Set(scanned.filter((s) => !hurt(s)).map(scopeKey));
}

export function planImport(
  report: Report,
  scanned: Scope[],
  open: ReadonlyMap<string, OpenFinding>,
  opts: AsffOptions = {},
): ImportPlan {
  const plan: ImportPlan = { findings: [], opened: new Map(), closed: new Set() };
  const seen = new Set<string>();
  for (const f of report.findings) {
    const id = findingUid(f);
    seen.add(id);
    if (isLaggard(f)) {
      plan.findings.push(asffFinding(f, report.finishedAt, opts));
      plan.opened.set(id, archiveBasisOf(f));
    } else if (open.has(id)) {
      plan.findings.push(asffFinding(f, report.finishedAt, opts));
      plan.closed.add(id);
    }
  }
  const complete = completeScopes(scanned, report.errors);
  for (const [id, basis] of open) {
    if (seen.has(id) || !complete.has(scopeKey(basis))) continue;
    plan.findings.push(asffArchived(basis, report.finishedAt, opts));
    plan.closed.add(id);
  }
  return plan;
}
