import { errorMessage } from '../../domain/errors.js';
import type { ScopeSnapshot } from '../../domain/findings/model.js';
import type { ScanOutcome } from '../../domain/findings/scan.js';
import type { Logger } from '../../domain/ports/shared.js';
import { buildReport } from '../../report/report.js';
import { exportWarnings, type SecurityHubExport, type SecurityHubExportResult } from './security-hub.js';

export type AfterScan = (outcome: ScanOutcome, warn: (message: string) => void) => Promise<void>;

export interface SecurityHubHookDeps {
  exporter: Pick<SecurityHubExport, 'sync'>;
  /** the snapshots the scan left (the findings store) */
  snapshots: (scopes: ScanOutcome['scopes']) => Promise<ScopeSnapshot[]>;
  log: Logger;
  /** metrics: the result, or null when the export failed before sending anything */
  observe: (r: SecurityHubExportResult | null) => void;
}

/**
 * After each scan: its findings to Security Hub. Never fails the scan: a failure is logged,
 * counted and handed to `warn` (the scan's warnings: `imds-bot scan` and `/imds scan` show them).
 */
export function securityHubAfterScan(deps: SecurityHubHookDeps): AfterScan {
  return async (outcome, warn) => {
    if (outcome.scopes.length === 0) return;
    try {
      const report = buildReport(outcome, await deps.snapshots(outcome.scopes));
      const r = await deps.exporter.sync(report, outcome.scopes);
      deps.observe(r);
      const warnings = exportWarnings(r);
      for (const w of warnings) warn(w);
      const fields = { scanId: outcome.scanId, imported: r.imported, resolved: r.resolved };
      if (warnings.length === 0) deps.log.info(fields, 'findings exported to Security Hub');
      else
        deps.log.warn(
          { ...fields, refused: r.failed.length, unsent: r.unsent, problems: warnings },
          'Security Hub export incomplete',
        );
    } catch (err) {
      deps.observe(null);
      const message = errorMessage(err);
      warn(`Security Hub export failed: ${message}`);
      deps.log.warn({ scanId: outcome.scanId, err: message }, 'Security Hub export failed');
    }
  };
}

/** Runs each hook in turn; one that throws does not keep the next from running. */
export function chainAfterScan(
  log: Logger,
  ...hooks: (AfterScan | null | undefined)[]
): AfterScan | undefined {
  const present = hooks.filter((h): h is AfterScan => Boolean(h));
  if (present.length <= 1) return present[0];
  return async (outcome, warn) => {
    for (const hook of present)
      await hook(outcome, warn).catch((err: unknown) =>
        log.error({ err: errorMessage(err) }, 'after-scan hook failed'),
      );
  };
}
