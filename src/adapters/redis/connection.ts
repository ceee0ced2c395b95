import { Redis } from 'ioredis';

/**
 * A Redis connection as BullMQ wants it: workers block, so maxRetriesPerRequest must be null;
 * reconnects back off up to 2 s so a Redis restart is ridden out rather than fatal.
 */
export function connectRedis(url: string, name = 'imds-bot'): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
  });
}
