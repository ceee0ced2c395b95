import { isLaggard } from '../../domain/findings/classify.js';
import type { ScopeSnapshot } from '../../domain/findings/model.js';
import type { EnvironmentTags } from '../../domain/fixes/environment.js';
import {
  nonProdTwins,
  possibleTwins,
  type TwinFinding,
  type TwinSummary,
  twinCandidates,
} from '../../domain/fixes/twins.js';
import type { AuditHistory } from '../../domain/ports/audit.js';

export interface TwinDeps {
  audit: AuditHistory;
  /** the workflow's `environment`, with `twinTags`: the tag keys that name the app */
  environment: EnvironmentTags & { twinTags: readonly string[] };
}

/** entries read per instance: its enforcements and rollbacks are among its latest */
const HISTORY = 100;
/** instances whose audit history is read in one round trip */
const BATCH = 500;

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
  const findings: TwinFinding[] = [];
  for (const s of snapshots)
    for (const f of s.findings) {
      const { instanceId, accountId, name, tags, httpTokens, httpEndpoint } = f;
      findings.push({ instanceId, accountId, name, tags, httpTokens, httpEndpoint, laggard: isLaggard(f) });
    }
  const rule = deps.environment;
  const keys = rule.twinTags;
  const candidates = twinCandidates(findings, rule);
  const ids = possibleTwins(candidates, keys);
  const botEnforced = new Set<string>();
  const broken = new Set(snapshots.flatMap((s) => s.rejectedCalls ?? []));
  for (let i = 0; i < ids.length; i += BATCH) {
    const histories = await deps.audit.historyOf(ids.slice(i, i + BATCH), HISTORY);
    for (const [id, entries] of histories) {
      if (entries.some((e) => e.type === 'rolled-back')) broken.add(id);
      if (entries.some((e) => e.type === 'verified' && e.after?.httpTokens === 'required'))
        botEnforced.add(id);
    }
  }
  const withBot = candidates.map((c) => (botEnforced.has(c.instanceId) ? { ...c, enforced: true } : c));
  return nonProdTwins(withBot, { keys, broken });
}
