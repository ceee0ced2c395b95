import { isLaggard } from '../../domain/findings/classify.js';
import type { ScopeSnapshot } from '../../domain/findings/model.js';
import type { EnvironmentTags } from '../../domain/fixes/environment.js';
import { nonProdTwins, possibleTwins, type TwinSummary, twinCandidates } from '../../domain/fixes/twins.js';
import type { AuditHistory } from '../../domain/ports/audit.js';

export interface TwinDeps {
  audit: AuditHistory;
  /** the workflow's `environment`, with `twinTags`: the tag keys that name the app */
  environment: EnvironmentTags & { twinTags: readonly string[] };
}

/** entries read per instance: its enforcements and rollbacks are among its latest */
const HISTORY = 100;
/** audit lookups in flight at once */
const BATCH = 20;

/**
 * "Non-production first", counted: the production laggards whose non-production twin (same app
 * tag or Name) was enforced without breakage. Enforced: requires tokens now, or the bot enforced
 * it (a verified change to HttpTokens required in the audit trail); broken: rolled back in the
 * audit trail, or IMDSv1 calls rejected since (the snapshot's `rejectedCalls`). Only the possible
 * twins' audit history is read.
 */
export async function nonProdTwinsOf(
  deps: TwinDeps,
  snapshots: readonly ScopeSnapshot[],
): Promise<TwinSummary> {
  const findings = snapshots.flatMap((s) => s.findings.map((f) => ({ ...f, laggard: isLaggard(f) })));
  const rule = deps.environment;
  const keys = rule.twinTags;
  const ids = possibleTwins(twinCandidates(findings, rule), keys);
  const botEnforced = new Set<string>();
  const broken = new Set(snapshots.flatMap((s) => s.rejectedCalls ?? []));
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    const histories = await Promise.all(
      batch.map((id) => deps.audit.recent({ instanceId: id, limit: HISTORY })),
    );
    for (const [j, entries] of histories.entries()) {
      const id = batch[j] ?? '';
      if (entries.some((e) => e.type === 'rolled-back')) broken.add(id);
      if (entries.some((e) => e.type === 'verified' && e.after?.httpTokens === 'required'))
        botEnforced.add(id);
    }
  }
  return nonProdTwins(twinCandidates(findings, rule, botEnforced), { keys, broken });
}
