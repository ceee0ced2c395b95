import { type Scope, type ScopeSnapshot, scopeKey } from '../../../src/domain/findings/model.js';
import type { ScanRecord } from '../../../src/domain/findings/scan.js';
import type { FindingsStore, LaggardChanges, RegressionCause } from '../../../src/domain/ports/findings.js';

const HISTORY_LIMIT = 1000;

/** The findings store in memory: the contract suite (test/contract) holds it to the Redis one. */
export function createMemoryFindingsStore(): FindingsStore & { snapshots: Map<string, ScopeSnapshot> } {
  const snapshots = new Map<string, ScopeSnapshot>();
  const since = new Map<string, string>();
  const regressed = new Map<string, RegressionCause>();
  /** scope key -> instance id -> enforced at (ms) */
  const watches = new Map<string, Map<string, number>>();
  const scans: ScanRecord[] = [];
  const copy = <T>(v: T): T => structuredClone(v);

  return {
    snapshots,
    async getSnapshot(scope: Scope) {
      const s = snapshots.get(scopeKey(scope));
      return s ? copy(s) : null;
    },
    async latestSnapshots(accountId?: string) {
      return [...snapshots.keys()]
        .sort()
        .flatMap((k) => snapshots.get(k) ?? [])
        .filter((s) => !accountId || s.accountId === accountId)
        .map(copy);
    },
    async commitSnapshot(snapshot: ScopeSnapshot, changes: LaggardChanges, now: Date) {
      const cleared = changes.cleared.map((k) => since.get(k) ?? null);
      snapshots.set(scopeKey(snapshot), copy(snapshot));
      for (const k of changes.became) if (!since.has(k)) since.set(k, now.toISOString());
      for (const k of changes.cleared) since.delete(k);
      const launched = new Set(changes.launched);
      for (const k of changes.regressed ?? []) regressed.set(k, launched.has(k) ? 'launched' : 'changed');
      return cleared.flatMap((iso) => (iso ? [Math.max(0, (now.getTime() - Date.parse(iso)) / 1000)] : []));
    },
    async laggardSince(keys: string[]) {
      return keys.map((k) => since.get(k) ?? null);
    },
    async watch(instance, _requestId, at) {
      const scope = watches.get(scopeKey(instance)) ?? new Map<string, number>();
      watches.set(scopeKey(instance), scope);
      scope.set(instance.instanceId, at.getTime());
    },
    async watched(scope: Scope, now: Date, days: number) {
      const mine = watches.get(scopeKey(scope)) ?? new Map<string, number>();
      const cutoff = now.getTime() - days * 86_400_000;
      for (const [id, at] of mine) if (at <= cutoff) mine.delete(id);
      return [...mine].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
    },
    async pendingRegressions() {
      return new Map(regressed);
    },
    async clearRegressions(keys: string[]) {
      for (const k of keys) regressed.delete(k);
    },
    async appendScan(record: ScanRecord) {
      scans.unshift(copy(record));
      scans.length = Math.min(scans.length, HISTORY_LIMIT);
    },
    async recentScans(limit = 50) {
      return scans.slice(0, limit).map(copy);
    },
  };
}
