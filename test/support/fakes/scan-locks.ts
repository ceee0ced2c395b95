import type { ScanLocks } from '../../../src/domain/ports/scan-state.js';

/** Scan locks in memory, with a clock for their expiry (the Redis ones expire after `ttlMs`). */
export function createMemoryScanLocks({ ttlMs = 2 * 3600_000, now = () => Date.now() } = {}): ScanLocks {
  const held = new Map<string, { holder: string; until: number }>();
  const current = (lockId: string): string | null => {
    const lock = held.get(lockId);
    if (lock && lock.until > now()) return lock.holder;
    held.delete(lockId);
    return null;
  };
  const locks: ScanLocks = {
    async acquire(lockId, holder) {
      const running = current(lockId);
      if (running !== null) return { acquired: false, holder: running };
      held.set(lockId, { holder, until: now() + ttlMs });
      return { acquired: true, holder };
    },
    async holder(lockId) {
      return current(lockId);
    },
    async release(lockId, holder) {
      if (current(lockId) === holder) held.delete(lockId);
    },
    async steal(lockId, stale, holder) {
      await locks.release(lockId, stale);
      return (await locks.acquire(lockId, holder)).acquired;
    },
  };
  return locks;
}
