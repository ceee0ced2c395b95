import { z } from 'zod';
import { Person } from '../../domain/change/request-schema.js';
import type { RedisClient } from './connection.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

export const Snooze = z.object({
  /** `<accountId>:<region>:<instanceId>`, as instanceKey() in store/findings.ts */
  key: z.string(),
  accountId: z.string(),
  region: z.string(),
  instanceId: z.string(),
  until: z.iso.datetime(),
  reason: z.string(),
  by: Person,
  at: z.iso.datetime(),
});
export type Snooze = z.infer<typeof Snooze>;

export interface SnoozeInput {
  accountId: string;
  region: string;
  instanceId: string;
  until: Date;
  reason: string;
  by: Person;
}

type InstanceRef = Pick<SnoozeInput, 'accountId' | 'region' | 'instanceId'>;
const keyOf = (r: InstanceRef): string => `${r.accountId}:${r.region}:${r.instanceId}`;

/** Removes ARGV[1] from the wake-up set KEYS[1] only while its score is still ARGV[2] ('' : any score). */
const CLAIM_WAKE = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
if ARGV[2] ~= '' and tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
return redis.call('ZREM', KEYS[1], ARGV[1])`;

/** Drops ARGV[1] from the wake-up set when its snooze KEYS[2] is gone (past its retention). */
const DROP_ORPHAN = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
return redis.call('ZREM', KEYS[1], ARGV[1])`;

const DAY_S = 86_400;

/**
 * Redis layout (under `<prefix>:`): snooze:<instanceKey> the snooze as JSON, kept `retentionDays`
 * after it ends; snoozes:wake a sorted set instanceKey -> until (ms), left when woken or unsnoozed.
 */
export function createSnoozeStore({
  redis,
  prefix,
  retentionDays = 30,
}: {
  redis: RedisClient;
  prefix: string;
  retentionDays?: number;
}) {
  const rk = redisKeys(prefix);
  const wake = rk.snoozeWake();

  async function getMany(keys: string[]): Promise<Snooze[]> {
    if (keys.length === 0) return [];
    const raws = await redis.mget(...keys.map((key) => rk.snooze(key)));
    return raws.flatMap((raw) => (raw === null ? [] : [readJson(Snooze, raw, 'snooze')]));
  }

  return {
    /** Snoozes (or re-snoozes, replacing the previous one) an instance until `until`. */
    async snooze(input: SnoozeInput, now: Date = new Date()): Promise<Snooze> {
      const key = keyOf(input);
      const snooze = Snooze.parse({ ...input, key, until: input.until.toISOString(), at: now.toISOString() });
      const ttl = Math.max(
        1,
        Math.ceil((input.until.getTime() - now.getTime()) / 1000) + retentionDays * DAY_S,
      );
      await redis
        .multi()
        .set(rk.snooze(key), JSON.stringify(snooze), 'EX', ttl)
        .zadd(wake, input.until.getTime(), key)
        .exec();
      return snooze;
    },

    /** Ends a snooze now; returns the one removed, or null when there was none. */
    async unsnooze(ref: InstanceRef): Promise<Snooze | null> {
      const key = keyOf(ref);
      const res = await redis.multi().get(rk.snooze(key)).del(rk.snooze(key)).zrem(wake, key).exec();
      const raw = res?.[0]?.[1];
      return typeof raw === 'string' ? readJson(Snooze, raw, 'snooze') : null;
    },

    /** The stored snooze of an instance, current or ended (within the retention). */
    async get(key: string): Promise<Snooze | null> {
      return (await getMany([key]))[0] ?? null;
    },

    /** The snoozes still running at `now`, by instance key. */
    async active(instanceKeys: string[], now: Date = new Date()): Promise<Map<string, Snooze>> {
      const out = new Map<string, Snooze>();
      for (let i = 0; i < instanceKeys.length; i += 500) {
        for (const s of await getMany(instanceKeys.slice(i, i + 500))) {
          if (Date.parse(s.until) > now.getTime()) out.set(s.key, s);
        }
      }
      return out;
    },

    /** Snoozes that ended at or before `now` and whose owners have not been told yet, oldest first. */
    async dueForWakeUp(now: Date, limit = 100): Promise<Snooze[]> {
      const keys = await redis.zrangebyscore(wake, '-inf', now.getTime(), 'LIMIT', 0, limit);
      const found = await getMany(keys);
      const orphans = keys.filter((key) => !found.some((s) => s.key === key));
      for (const key of orphans) await redis.eval(DROP_ORPHAN, 2, wake, rk.snooze(key), key);
      return found.filter((s) => Date.parse(s.until) <= now.getTime());
    },

    /** When the soonest snooze not yet told ends, or null. */
    async nextWakeUp(): Promise<Date | null> {
      const [, score] = await redis.zrange(wake, 0, 0, 'WITHSCORES');
      return score === undefined ? null : new Date(Number(score));
    },

    /**
     * Takes a snooze out of the wake-up set. True for exactly one caller, the one that should notify.
     * With `until` (from dueForWakeUp), a snooze renewed meanwhile is left alone (false).
     */
    async markWoken(key: string, until?: string): Promise<boolean> {
      const score = until === undefined ? '' : String(Date.parse(until));
      return (await redis.eval(CLAIM_WAKE, 1, wake, key, score)) === 1;
    },
  };
}
export type SnoozeStore = ReturnType<typeof createSnoozeStore>;
