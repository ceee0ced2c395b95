import { z } from 'zod';
import type { RedisClient } from './connection.js';
import { readJsonOrNull } from './json.js';
import { redisKeys } from './keys.js';

const EpochMs = z.number().int().nonnegative();

/**
 * When the current burst of drift events began (keys.ts driftAlertFirst), shared by every worker:
 * the first event of a burst sets it, kept `maxMs`; the events after it read it back.
 */
export function createDriftBurst({ redis, prefix }: { redis: RedisClient; prefix: string }) {
  const key = redisKeys(prefix).driftAlertFirst();
  return {
    /** The start of the burst `at` belongs to (`at` itself when it opens one). */
    async firstEventAt(at: number, maxMs: number): Promise<number> {
      await redis.set(key, String(at), 'PX', Math.max(1, maxMs), 'NX');
      return readJsonOrNull(EpochMs, await redis.get(key)) ?? at;
    },
  };
}
export type DriftBurst = ReturnType<typeof createDriftBurst>;
