import { CodedError, errorMessage } from '../../domain/errors.js';
import type { ScanError, Scope } from '../../domain/findings/model.js';
import {
  type DiffCounts,
  type ScanJobData,
  type ScanOutcome,
  type ScopeResult,
  scanErrorOf,
} from '../../domain/findings/scan.js';
import { mergeSummaries } from '../../domain/findings/summary.js';
import type { FindingsStore } from '../../domain/ports/findings.js';
import type { OrganizationGuardrails } from '../../domain/ports/inventory.js';
import type { ScanLocks } from '../../domain/ports/scan-state.js';
import type { Clock, Logger } from '../../domain/ports/shared.js';

export interface FinishScanDeps {
  store: Pick<FindingsStore, 'appendScan'>;
  locks: Pick<ScanLocks, 'release'>;
  log: Logger;
  now?: Clock;
  /**
   * told about every finished scan (e.g. the Slack app posts regressions at once); errors are
   * logged; what it passes to `warn` is returned with the outcome (`warnings`)
   */
  onFinished?: (outcome: ScanOutcome, warn: (message: string) => void) => Promise<void>;
  /** organizations mode: the SCPs and declarative policies, read once per scan and stored */
  organization?: OrganizationGuardrails;
}

/** Where an organization-wide error is shown: not an account × region of the scan. */
const ORG = { accountId: 'organization', region: null };

/**
 * The organization's policies, once per scan: stored with the scan's id; what could not be read is
 * a partial error of the scan (the instances are all there), and the last stored read stays.
 */
async function readOrganization(
  org: OrganizationGuardrails,
  scanId: string,
  now: Date,
): Promise<ScanError[]> {
  try {
    const read = await org.read();
    await org.store.put({ ...read, scanId, readAt: now.toISOString() });
    return read.partial.map((p) =>
      scanErrorOf(ORG, 'organization-policies', { code: p.code, message: `${p.what}: ${p.message}` }, true),
    );
  } catch (err) {
    const e =
      err instanceof CodedError
        ? err
        : new CodedError('UnknownError', `organization policies: ${errorMessage(err)}`);
    return [scanErrorOf(ORG, 'organization-policies', e, true)];
  }
}

/** An account x region job the queue gave up on without a result (its retries ran out). */
export interface LostScope {
  /** null when the queue's job id no longer says which scope it was */
  scope: Scope | null;
  reason: string;
}

const NO_DIFF: DiffCounts = { new: 0, fixed: 0, regressed: 0, gone: 0 };

const addDiff = (d: DiffCounts, r: DiffCounts): DiffCounts => ({
  new: d.new + r.new,
  fixed: d.fixed + r.fixed,
  regressed: d.regressed + r.regressed,
  gone: d.gone + r.gone,
});

const lostError = ({ scope, reason }: LostScope): ScanError => ({
  accountId: scope?.accountId ?? 'unknown',
  region: scope?.region ?? null,
  stage: 'internal',
  code: 'RetriesExhausted',
  message: reason,
  partial: false,
});

const mean = (xs: number[]): number | null =>
  xs.length === 0 ? null : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);

function outcomeOf(data: ScanJobData, results: ScopeResult[], errors: ScanError[], now: Date): ScanOutcome {
  const remediated = results.flatMap((r) => r.remediatedSeconds);
  return {
    scanId: data.scanId,
    workflow: data.workflow,
    trigger: data.trigger,
    startedAt: data.startedAt,
    finishedAt: now.toISOString(),
    scopes: data.scopes,
    summary: mergeSummaries(
      results.map((r) => r.summary),
      errors,
    ),
    diff: results.map((r) => r.diff).reduce(addDiff, NO_DIFF),
    firstScan: results.length > 0 && results.every((r) => r.firstScan),
    mttrSeconds: mean(remediated),
    remediated: remediated.length,
    rejections: results.flatMap((r) => r.rejections),
    errors,
    ...(data.notes.length > 0 ? { notes: data.notes } : {}),
  };
}

/**
 * Every account x region of a scan has ended (or was given up on): sum them up, record the
 * scan's history line, release its lock, and tell whoever listens.
 */
export async function finishScan(
  deps: FinishScanDeps,
  data: ScanJobData,
  results: ScopeResult[],
  lost: LostScope[],
): Promise<ScanOutcome> {
  const now = deps.now?.() ?? new Date();
  const orgErrors = deps.organization ? await readOrganization(deps.organization, data.scanId, now) : [];
  const errors = [
    ...data.planErrors,
    ...results.flatMap((r) => r.errors),
    ...lost.map(lostError),
    ...orgErrors,
  ];
  const outcome = outcomeOf(data, results, errors, now);
  const { rejections: _told, notes: _planning, ...record } = outcome;
  await deps.store.appendScan({
    filter: data.filter,
    ...record,
    scopes: outcome.scopes.map((s) => `${s.accountId}:${s.region}`),
    summary: outcome.summary,
  });
  await deps.locks.release(data.lock.id, data.lock.holder);
  deps.log.info(
    { scanId: data.scanId, laggards: outcome.summary.laggards, errors: errors.length },
    'scan finished',
  );
  const warnings: string[] = [];
  await deps
    .onFinished?.(outcome, (w) => warnings.push(w))
    .catch((err: unknown) => deps.log.error({ err: errorMessage(err) }, 'after-scan hook failed'));
  return warnings.length > 0 ? { ...outcome, warnings } : outcome;
}
