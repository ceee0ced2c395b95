import { z } from 'zod';
import type { OwnerHome } from '../../domain/ports/digest.js';
import type { RedisClient } from './connection.js';
import { readJsonOrNull } from './json.js';
import { redisKeys } from './keys.js';

/** What a digest button's opaque id stands for. */
export const ButtonRef = z.object({ instanceKey: z.string(), at: z.string() });
export type ButtonRef = z.infer<typeof ButtonRef>;

/** A user's App Home rows, as the last digest left them. */
export const HomeData = z.object({
  at: z.string(),
  total: z.number(),
  rows: z.array(
    z.object({
      instanceId: z.string(),
      name: z.string().nullable(),
      accountId: z.string(),
      region: z.string(),
      readiness: z.string(),
      calls: z.number(),
    }),
  ),
});
export type HomeData = z.infer<typeof HomeData>;

const REF_TTL_SECONDS = 30 * 86_400;
const HOME_TTL_SECONDS = 30 * 86_400;

/**
 * What the digest leaves for later clicks and views (under `<prefix>:`): ref:<id> a button's
 * instance (30 days), home:<userId> the App Home rows (30 days), digest-fingerprints a hash
 * ownerKey -> the fingerprint of the last digest delivered; rejection-alert:<instanceKey> set
 * when an instance's rejected IMDSv1 calls were last alerted.
 */
export function createSlackStateStore({ redis, prefix }: { redis: RedisClient; prefix: string }) {
  const rk = redisKeys(prefix);
  return {
    /** Remembers what each button id stands for (one transaction). */
    async saveRefs(refs: Map<string, ButtonRef>): Promise<void> {
      const tx = redis.multi();
      for (const [id, ref] of refs) tx.set(rk.buttonRef(id), JSON.stringify(ref), 'EX', REF_TTL_SECONDS);
      await tx.exec();
    },
    /** null for an unknown, expired or unreadable id. */
    async ref(id: string): Promise<ButtonRef | null> {
      return readJsonOrNull(ButtonRef, await redis.get(rk.buttonRef(id)));
    },
    async saveHomes(homes: OwnerHome[], at: Date): Promise<void> {
      const tx = redis.multi();
      for (const { userId, total, rows } of homes) {
        const home: HomeData = { at: at.toISOString(), total, rows };
        tx.set(rk.home(userId), JSON.stringify(home), 'EX', HOME_TTL_SECONDS);
      }
      await tx.exec();
    },
    async home(userId: string): Promise<HomeData | null> {
      return readJsonOrNull(HomeData, await redis.get(rk.home(userId)));
    },
    /** ownerKey -> the fingerprint of the digest last delivered to that owner. */
    async fingerprints(): Promise<Map<string, string>> {
      return new Map(Object.entries(await redis.hgetall(rk.digestFingerprints())));
    },
    async saveFingerprint(ownerKey: string, value: string): Promise<void> {
      await redis.hset(rk.digestFingerprints(), ownerKey, value);
    },
    /** True for the first caller within `ttlSeconds` for this instance: that one alerts. */
    async claimRejectionAlert(instanceKey: string, ttlSeconds: number): Promise<boolean> {
      return (await redis.set(rk.rejectionAlert(instanceKey), '1', 'EX', ttlSeconds, 'NX')) === 'OK';
    },
  };
}
export type SlackStateStore = ReturnType<typeof createSlackStateStore>;
