import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LaunchTemplate } from '../../domain/findings/model.js';
import type { BulkCounts, BulkTally, ChangeMemo, Json } from '../../domain/ports.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

const DAY_S = 86_400;
const JsonRecord = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

/**
 * What change control keeps beside a request (under `<prefix>:`): cr-before:<key> the state found
 * just before a change (set once, 400 days: a retried job and a rollback read it back);
 * cr-template-row:<request> the template's row as the scan saw it before the request changed it.
 */
export function createChangeMemo({ redis, prefix }: { redis: Redis; prefix: string }): ChangeMemo {
  const { requestBefore: beforeKey, requestTemplateRow: rowKey } = redisKeys(prefix);
  return {
    async keepBefore(key: string, before: Json): Promise<void> {
      await redis.set(beforeKey(key), JSON.stringify(before), 'EX', 400 * DAY_S, 'NX');
    },
    async before(key: string): Promise<Json | null> {
      const raw = await redis.get(beforeKey(key));
      return raw === null ? null : readJson(JsonRecord, raw, 'captured before-state');
    },
    async keepTemplateRow(requestId, row) {
      await redis.set(rowKey(requestId), JSON.stringify(row), 'EX', 400 * DAY_S);
    },
    async templateRow(requestId) {
      const raw = await redis.get(rowKey(requestId));
      return raw === null ? null : readJson(LaunchTemplate, raw, 'launch template memo');
    },
  };
}

const Counts = z.object({
  done: z.coerce.number().default(0),
  failed: z.coerce.number().default(0),
  skipped: z.coerce.number().default(0),
  finished: z.coerce.number().default(0),
});

/**
 * A bulk request's counts (under `<prefix>:`): bulk:<request> a hash of done / failed / skipped /
 * finished, each item counted with MULTI so that exactly one item sees each 25th count;
 * bulk-skipped:<request> instance id -> why it was left alone. Both kept 30 days.
 */
export function createBulkTally({ redis, prefix }: { redis: Redis; prefix: string }): BulkTally {
  const { bulkCounts: countKey, bulkSkipped: skippedKey } = redisKeys(prefix);
  return {
    async count(requestId, outcome): Promise<BulkCounts> {
      const key = countKey(requestId);
      const res = await redis
        .multi()
        .hincrby(key, outcome, 1)
        .hincrby(key, 'finished', 1)
        .hgetall(key)
        .expire(key, 30 * DAY_S)
        .exec();
      return Counts.parse(res?.[2]?.[1] ?? {});
    },
    async counts(requestId) {
      return Counts.parse(await redis.hgetall(countKey(requestId)));
    },
    async skip(requestId, instanceId, reason) {
      const key = skippedKey(requestId);
      await redis
        .multi()
        .hset(key, instanceId, reason)
        .expire(key, 30 * DAY_S)
        .exec();
    },
    async skipped(requestId) {
      return Object.values(await redis.hgetall(skippedKey(requestId)));
    },
  };
}
