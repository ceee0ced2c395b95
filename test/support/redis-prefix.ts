import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';

/** A random key prefix, so that files (and tests) sharing the one test redis-server never meet. */
export const randomPrefix = (): string => `t${randomBytes(4).toString('hex')}`;

/** Deletes every key under each of `prefixes`. */
export async function deleteKeys(redis: Redis, prefixes: Iterable<string>): Promise<void> {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
}

export interface TestRedis {
  /** the first connection, which also cleans up */
  redis: Redis;
  /** a new random prefix, whose keys are deleted after the suite */
  freshPrefix(): string;
  /** one more connection (as another bot process would have), closed after the suite */
  connect(): Redis;
}

/**
 * A connection to the test redis-server (global-setup) for the calling file or describe block.
 * Registers an afterAll there that deletes the keys under every prefix handed out by
 * freshPrefix(), then closes every connection opened here.
 */
export function testRedis(): TestRedis {
  const connections: Redis[] = [];
  const prefixes: string[] = [];
  const connect = (): Redis => {
    const redis = new Redis(inject('redisUrl'));
    connections.push(redis);
    return redis;
  };
  const redis = connect();
  afterAll(async () => {
    await deleteKeys(redis, prefixes);
    for (const c of connections) c.disconnect();
  });
  return {
    redis,
    connect,
    freshPrefix() {
      const prefix = randomPrefix();
      prefixes.push(prefix);
      return prefix;
    },
  };
}
