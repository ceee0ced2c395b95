import { isLaggard, templateEnforces } from '../domain/findings/classify.js';
import type { AccountDefault, Finding, LaunchTemplate, ScopeSnapshot } from '../domain/findings/model.js';
import type { ScanOutcome } from '../domain/findings/scan.js';
import type { TwinSummary } from '../domain/fixes/twins.js';
import type { GuardrailsJson } from './guardrails-json.js';

export interface LaunchTemplateRow extends LaunchTemplate {
  /** the template's default version comes up requiring tokens (itself, or via the account default) */
  enforcing: boolean;
}

export interface AccountDefaultRow extends AccountDefault {
  enforcing: boolean;
}

export interface Report {
  scanId: string;
  workflow: string;
  startedAt: string;
  finishedAt: string;
  summary: ScanOutcome['summary'];
  diff: ScanOutcome['diff'];
  /** no earlier snapshot of these scopes: every laggard counts as new */
  firstScan: boolean;
  mttrSeconds: number | null;
  findings: Finding[];
  launchTemplates: LaunchTemplateRow[];
  accountDefaults: AccountDefaultRow[];
  errors: ScanOutcome['errors'];
  /** worth telling, not errors (opt-in regions skipped); only when there are some */
  notes?: string[];
  /** production laggards with a non-production twin enforced without breakage (when counted) */
  nonProdTwins?: TwinSummary;
  /** the guardrails (guardrails-json.ts), when worked out: JSON carries them, CSV leaves them to `imds-bot guardrails` */
  guardrails?: GuardrailsJson;
}

/** What a report shows besides the scan itself, each when the caller worked it out. */
export interface ReportExtras {
  nonProdTwins?: TwinSummary | undefined;
  guardrails?: GuardrailsJson | undefined;
}

const READINESS_ORDER = { 'in-use': 0, unknown: 1, ready: 2, compliant: 3, 'imds-disabled': 4 } as const;

/** Laggards first (in use, unknown, ready), riskiest first, then the rest; stable by id. */
export function reportOrder(a: Finding, b: Finding): number {
  const risk = (f: Finding) => Number(f.risk.prod) * 4 + Number(f.risk.publicIp) * 2 + Number(f.risk.iamRole);
  return (
    READINESS_ORDER[a.readiness] - READINESS_ORDER[b.readiness] ||
    risk(b) - risk(a) ||
    (b.usage?.noTokenCalls ?? 0) - (a.usage?.noTokenCalls ?? 0) ||
    a.accountId.localeCompare(b.accountId) ||
    a.region.localeCompare(b.region) ||
    a.instanceId.localeCompare(b.instanceId)
  );
}

/** What a report needs of a scan: a finished one, or the latest stored one (`imds-bot report`). */
export type ReportSource = Pick<
  ScanOutcome,
  | 'scanId'
  | 'workflow'
  | 'startedAt'
  | 'finishedAt'
  | 'summary'
  | 'diff'
  | 'firstScan'
  | 'mttrSeconds'
  | 'errors'
> & { notes?: string[] | undefined };

export function buildReport(
  outcome: ReportSource,
  snapshots: ScopeSnapshot[],
  extras: ReportExtras = {},
): Report {
  const findings = snapshots.flatMap((s) => s.findings).sort(reportOrder);
  return {
    scanId: outcome.scanId,
    workflow: outcome.workflow,
    startedAt: outcome.startedAt,
    finishedAt: outcome.finishedAt,
    summary: outcome.summary,
    diff: outcome.diff,
    firstScan: outcome.firstScan,
    mttrSeconds: outcome.mttrSeconds,
    findings,
    launchTemplates: snapshots.flatMap((s) =>
      s.launchTemplates.map((t) => ({ ...t, enforcing: templateEnforces(t.httpTokens, s.accountDefault) })),
    ),
    accountDefaults: snapshots.flatMap((s) =>
      s.accountDefault
        ? [{ ...s.accountDefault, enforcing: s.accountDefault.httpTokens === 'required' }]
        : [],
    ),
    errors: outcome.errors,
    ...(outcome.notes?.length ? { notes: outcome.notes } : {}),
    ...(extras.nonProdTwins ? { nonProdTwins: extras.nonProdTwins } : {}),
    ...(extras.guardrails ? { guardrails: extras.guardrails } : {}),
  };
}

export const laggardsOf = (r: Report): Finding[] => r.findings.filter(isLaggard);
