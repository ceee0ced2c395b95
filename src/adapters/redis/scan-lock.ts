import type { RedisClient } from './connection.js';
import { redisKeys } from './keys.js';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One running scan per workflow scope. A second request while one runs gets the running scan's
 * id back and follows it instead of starting another.
 */
export function createScanLocks({
  redis,
  prefix,
  ttlMs = 2 * 3600_000,
}: {
  redis: RedisClient;
  prefix: string;
  ttlMs?: number;
}) {
  const key = redisKeys(prefix).scanLock;
  return {
    /** `holder` is the scan that holds the lock: ours when acquired, the running one when not. */
    async acquire(scopeId: string, scanId: string): Promise<{ acquired: boolean; holder: string }> {
      const ok = await redis.set(key(scopeId), scanId, 'PX', ttlMs, 'NX');
      if (ok === 'OK') return { acquired: true, holder: scanId };
      const holder = await redis.get(key(scopeId));
      if (holder === null) return this.acquire(scopeId, scanId); // expired in between
      return { acquired: false, holder };
    },
    /** Who holds the lock now (null: nobody). */
    async holder(scopeId: string): Promise<string | null> {
      return redis.get(key(scopeId));
    },
    /** Releases only if `scanId` still holds it. */
    async release(scopeId: string, scanId: string): Promise<void> {
      await redis.eval(RELEASE, 1, key(scopeId), scanId);
    },
    /** Takes over a lock whose scan is known to be gone (crashed before it could release). */
    async steal(scopeId: string, staleScanId: string, scanId: string): Promise<boolean> {
      await this.release(scopeId, staleScanId);
      return (await this.acquire(scopeId, scanId)).acquired;
    },
  };
}
export type ScanLocks = ReturnType<typeof createScanLocks>;
