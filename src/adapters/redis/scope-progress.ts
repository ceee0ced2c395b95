import { type Scope, scopeKey } from '../../domain/findings/model.js';
import { ScopeProgress } from '../../domain/findings/scope-progress.js';
import type { RedisClient } from './connection.js';
import { readJsonOrNull } from './json.js';
import { redisKeys } from './keys.js';

/** A failed attempt's progress outlives the retries of its job, not much more. */
const TTL_SECONDS = 86_400;

/**
 * Redis layout (under `<prefix>:`): scope-progress:<scanId>:<account>:<region> the JSON of a
 * ScopeProgress, written only when an attempt of that scope's job fails.
 */
export function createScopeProgressStore({ redis, prefix }: { redis: RedisClient; prefix: string }) {
  const rk = redisKeys(prefix);
  const key = (scanId: string, scope: Scope) => rk.scopeProgress(scanId, scopeKey(scope));
  return {
    /** An earlier attempt's progress; empty when there was none (or it no longer parses). */
    async load(scanId: string, scope: Scope): Promise<ScopeProgress> {
      const raw = await redis.get(key(scanId, scope));
      return readJsonOrNull(ScopeProgress, raw) ?? {};
    },
    async save(scanId: string, scope: Scope, progress: ScopeProgress): Promise<void> {
      await redis.set(key(scanId, scope), JSON.stringify(progress), 'EX', TTL_SECONDS);
    },
    async clear(scanId: string, scope: Scope): Promise<void> {
      await redis.del(key(scanId, scope));
    },
  };
}
export type ScopeProgressStore = ReturnType<typeof createScopeProgressStore>;
