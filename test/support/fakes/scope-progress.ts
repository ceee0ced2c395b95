import { type Scope, scopeKey } from '../../../src/domain/findings/model.js';
import { ScopeProgress } from '../../../src/domain/findings/scope-progress.js';
import type { ScopeProgressStore } from '../../../src/domain/ports/scan-state.js';

/** Scope progress in memory; kept as JSON and parsed back, as the Redis store does. */
export function createMemoryScopeProgress(): ScopeProgressStore & { saved: Map<string, string> } {
  const saved = new Map<string, string>();
  const key = (scanId: string, scope: Scope) => `${scanId}:${scopeKey(scope)}`;
  return {
    saved,
    async load(scanId, scope) {
      const raw = saved.get(key(scanId, scope));
      if (raw === undefined) return {};
      const parsed = ScopeProgress.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : {};
    },
    async save(scanId, scope, progress) {
      saved.set(key(scanId, scope), JSON.stringify(progress));
    },
    async clear(scanId, scope) {
      saved.delete(key(scanId, scope));
    },
  };
}
