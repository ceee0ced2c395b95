import { z } from 'zod';
import { LaunchTemplate } from '../../domain/findings/model.js';
import type { BulkTally, ChangeMemo, Json } from '../../domain/ports/change-memo.js';
import type { RedisClient } from './connection.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

const DAY_S = 86_400;
const JsonRecord = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const RefreshWatch = z.object({ poll: z.number().int().positive(), lastStatus: z.string().nullable() });

/**
 * What change control keeps beside a request (under `<prefix>:`): cr-before:<key> the state found
 * just before a change (set once, 400 days: a retried job and a rollback read it back);
 * cr-template-row:<request> the template's row as the scan saw it before the request changed it;
 * refresh-watches a hash of request -> the next poll of the refresh its card follows.
 */
export function createChangeMemo({ redis, prefix }: { redis: RedisClient; prefix: string }): ChangeMemo {
  const { requestBefore: beforeKey, requestTemplateRow: rowKey, refreshWatches } = redisKeys(prefix);
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
    async keepWatch(requestId, next) {
      await redis.hset(refreshWatches(), requestId, JSON.stringify(next));
    },
    async endWatch(requestId) {
      await redis.hdel(refreshWatches(), requestId);
    },
    async watches() {
      const all = await redis.hgetall(refreshWatches());
      return new Map(
        Object.entries(all).map(([id, raw]) => [id, readJson(RefreshWatch, raw, 'refresh watch')]),
      );
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
 * Counts an instance's outcome once: HSETNX of the instance in KEYS[2]; when it is new, the outcome
 * (ARGV[2]) and `finished` go up by one in KEYS[1]. Both keys expire after ARGV[3] s. Returns
 * {1 counted / 0 counted before, the counts hash}. Both keys share the prefix's hash tag.
 */
const COUNT_ONCE = `
local new = redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
if new == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
  redis.call('HINCRBY', KEYS[1], 'finished', 1)
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return {new, redis.call('HGETALL', KEYS[1])}
`;
const CountReply = z.tuple([z.number(), z.array(z.string())]);

/**
 * A bulk request's counts (under `<prefix>:`): bulk:<request> a hash of done / failed / skipped /
 * finished, each instance counted once (bulk-items:<request> its first outcome) so that exactly one
 * item sees each 25th count;
 * bulk-skipped:<request> instance id -> why it was left alone. Both kept 30 days.
 */
export function createBulkTally({ redis, prefix }: { redis: RedisClient; prefix: string }): BulkTally {
  const { bulkCounts: countKey, bulkSkipped: skippedKey, bulkItems: itemsKey } = redisKeys(prefix);
  return {
    async count(requestId, instanceId, outcome) {
      const keys = [countKey(requestId), itemsKey(requestId)];
      const [counted, flat] = CountReply.parse(
        await redis.eval(COUNT_ONCE, 2, ...keys, instanceId, outcome, String(30 * DAY_S)),
      );
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
      return { ...Counts.parse(fields), counted: counted === 1 };
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
