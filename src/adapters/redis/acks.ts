import { z } from 'zod';
import { Person } from '../../domain/change/request-schema.js';
import type { RedisClient } from './connection.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

/** Someone looked at a laggard and said so: shown on its card, kept until replaced or cleared. */
export const Ack = z.object({
  /** `<accountId>:<region>:<instanceId>` */
  instanceKey: z.string().min(1),
  by: Person,
  at: z.iso.datetime(),
  note: z.string().nullable(),
});
export type Ack = z.infer<typeof Ack>;

const CHUNK = 500;

/** Redis layout: `<prefix>:acks` a hash instanceKey -> the latest Ack as JSON. */
export function createAckStore({ redis, prefix }: { redis: RedisClient; prefix: string }) {
  const key = redisKeys(prefix).acks();

  return {
    /** Records an acknowledgement, replacing the instance's previous one. */
    async acknowledge(ack: Ack): Promise<Ack> {
      const parsed = Ack.parse(ack);
      await redis.hset(key, parsed.instanceKey, JSON.stringify(parsed));
      return parsed;
    },

    /** The latest acknowledgement of each instance that has one. */
    async get(instanceKeys: string[]): Promise<Map<string, Ack>> {
      const out = new Map<string, Ack>();
      for (let i = 0; i < instanceKeys.length; i += CHUNK) {
        const raws = await redis.hmget(key, ...instanceKeys.slice(i, i + CHUNK));
        for (const raw of raws) {
          if (raw === null) continue;
          const ack = readJson(Ack, raw, 'acknowledgement');
          out.set(ack.instanceKey, ack);
        }
      }
      return out;
    },

    /** Removes an instance's acknowledgement (e.g. once it is fixed); true when there was one. */
    async clear(instanceKey: string): Promise<boolean> {
      return (await redis.hdel(key, instanceKey)) === 1;
    },
  };
}
export type AckStore = ReturnType<typeof createAckStore>;
