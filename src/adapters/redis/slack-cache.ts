import { z } from 'zod';
import { OwnerRoute } from '../../domain/findings/owner-route.js';
import type { RedisClient } from './connection.js';
import { readJsonOrNull } from './json.js';
import { redisKeys } from './keys.js';

const Members = z.array(z.string());

/**
 * What the bot caches of Slack's directory (under `<prefix>:`): owner:<hash of the owner tag value>
 * its route, usergroup:<id> a user group's members, user-active:<userId> '1' or '0'. Anything
 * unreadable is a miss: it is asked of Slack again.
 */
export function createSlackCache({ redis, prefix }: { redis: RedisClient; prefix: string }) {
  const rk = redisKeys(prefix);
  return {
    /** The cached route of each owner hash, null where there is none (one MGET). */
    async routes(ownerHashes: string[]): Promise<(OwnerRoute | null)[]> {
      if (ownerHashes.length === 0) return [];
      const raws = await redis.mget(...ownerHashes.map((h) => rk.ownerRoute(h)));
      return raws.map((raw) => readJsonOrNull(OwnerRoute, raw ?? null));
    },
    /** Caches routes, each with its own TTL (one transaction). */
    async saveRoutes(entries: { ownerHash: string; route: OwnerRoute; ttlSeconds: number }[]): Promise<void> {
      if (entries.length === 0) return;
      const tx = redis.multi();
      for (const e of entries)
        tx.set(rk.ownerRoute(e.ownerHash), JSON.stringify(e.route), 'EX', e.ttlSeconds);
      await tx.exec();
    },
    async groupMembers(group: string): Promise<string[] | null> {
      return readJsonOrNull(Members, await redis.get(rk.usergroup(group)));
    },
    async saveGroupMembers(group: string, members: string[], ttlSeconds: number): Promise<void> {
      await redis.set(rk.usergroup(group), JSON.stringify(members), 'EX', ttlSeconds);
    },
    async forgetGroup(group: string): Promise<void> {
      await redis.del(rk.usergroup(group));
    },
    /** null when not cached. */
    async userActive(userId: string): Promise<boolean | null> {
      const cached = await redis.get(rk.userActive(userId));
      return cached === null ? null : cached === '1';
    },
    async saveUserActive(userId: string, active: boolean, ttlSeconds: number): Promise<void> {
      await redis.set(rk.userActive(userId), active ? '1' : '0', 'EX', ttlSeconds);
    },
  };
}
export type SlackCache = ReturnType<typeof createSlackCache>;
