import { z } from 'zod';
import type { RedisClient } from './connection.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

const Origin = z.object({ channel: z.string(), ts: z.string() });
export type Origin = z.infer<typeof Origin>;
const Notes = z.array(z.string());
const Offers = z.array(z.string().min(1).max(255)).max(20);

/**
 * What delivering to Slack keeps (under `<prefix>:`): slack-seen:<delivery> a request from Slack
 * already being handled; card-version:<channel>:<ts> the version a card shows (and `:lock` while an
 * update of it is delivered); cr-notes:<id> and cr-origin:<id> a request card's notes and the message
 * it was asked from; cr-offers:<id> the Auto Scaling groups an applied template fix's card offers to
 * refresh (its buttons carry only `<id>#<n>`).
 */
export function createSlackDeliveryStore({ redis, prefix }: { redis: RedisClient; prefix: string }) {
  const rk = redisKeys(prefix);
  return {
    /** True for the first delivery of a Slack request within `ttlSeconds` (SET NX). */
    async claimDelivery(key: string, ttlSeconds: number, at: Date): Promise<boolean> {
      return (await redis.set(rk.slackSeen(key), at.toISOString(), 'EX', ttlSeconds, 'NX')) === 'OK';
    },
    async releaseDelivery(key: string): Promise<void> {
      await redis.del(rk.slackSeen(key));
    },
    /** The lock of one card's updates; false while another holder has it. */
    async lockCard(channel: string, ts: string, ttlMs: number): Promise<boolean> {
      return (await redis.set(rk.cardVersionLock(channel, ts), '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
    async unlockCard(channel: string, ts: string): Promise<void> {
      await redis.del(rk.cardVersionLock(channel, ts));
    },
    /** The version a card shows; -1 when none was recorded. */
    async shownVersion(channel: string, ts: string): Promise<number> {
      return Number((await redis.get(rk.cardVersion(channel, ts))) ?? -1);
    },
    async saveShownVersion(channel: string, ts: string, version: number, ttlSeconds: number): Promise<void> {
      await redis.set(rk.cardVersion(channel, ts), String(version), 'EX', ttlSeconds);
    },
    async saveRequestNotes(id: string, notes: string[], ttlSeconds: number): Promise<void> {
      await redis.set(rk.requestNotes(id), JSON.stringify(notes), 'EX', ttlSeconds);
    },
    async requestNotes(id: string): Promise<string[]> {
      const raw = await redis.get(rk.requestNotes(id));
      return raw === null ? [] : readJson(Notes, raw, 'card notes');
    },
    async saveRequestOrigin(id: string, origin: Origin, ttlSeconds: number): Promise<void> {
      await redis.set(rk.requestOrigin(id), JSON.stringify(origin), 'EX', ttlSeconds);
    },
    async saveRefreshOffers(id: string, asgNames: readonly string[], ttlSeconds: number): Promise<void> {
      await redis.set(rk.requestOffers(id), JSON.stringify(asgNames.slice(0, 20)), 'EX', ttlSeconds);
    },
    async refreshOffers(id: string): Promise<string[]> {
      const raw = await redis.get(rk.requestOffers(id));
      return raw === null ? [] : readJson(Offers, raw, 'refresh offers');
    },
    async requestOrigin(id: string): Promise<Origin | null> {
      const raw = await redis.get(rk.requestOrigin(id));
      return raw === null ? null : readJson(Origin, raw, 'card origin');
    },
  };
}
export type SlackDeliveryStore = ReturnType<typeof createSlackDeliveryStore>;
