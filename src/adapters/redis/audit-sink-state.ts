import { z } from 'zod';
import { AuditEntry } from '../../domain/change/audit-chain.js';
import type { RedisClient } from './connection.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

/** The last entry a sink took: its seq and its id in the audit stream. */
export const AuditSinkCursor = z.object({ seq: z.number().int().nonnegative(), id: z.string() });
export type AuditSinkCursor = z.infer<typeof AuditSinkCursor>;

const StreamReply = z
  .array(z.tuple([z.string(), z.array(z.tuple([z.string(), z.array(z.string())]))]))
  .nullable();

/** Takes the lease when free, renews it when ours: one process streams to a sink at a time. */
const LEASE = `
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
const RELEASE =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/**
 * What one audit sink keeps in Redis (keys.ts auditSinkCursor, auditSinkLease) and how it reads the
 * audit stream after its cursor: XREAD BLOCK on `reader`, a connection of its own, because the
 * blocking read holds it while it waits.
 */
export function createAuditSinkState(deps: {
  redis: RedisClient;
  reader: RedisClient;
  prefix: string;
  sink: string;
}) {
  const keys = redisKeys(deps.prefix);
  const stream = keys.auditStream();
  const cursorKey = keys.auditSinkCursor(deps.sink);
  const leaseKey = keys.auditSinkLease(deps.sink);
  return {
    /** where the sink is; a sink never given a cursor starts from the first entry */
    async cursor(): Promise<AuditSinkCursor> {
      const raw = await deps.redis.get(cursorKey);
      return raw === null ? { seq: 0, id: '0-0' } : readJson(AuditSinkCursor, raw, 'audit sink cursor');
    },
    async saveCursor(cursor: AuditSinkCursor): Promise<void> {
      await deps.redis.set(cursorKey, JSON.stringify(cursor));
    },
    /** true when `holder` holds the lease (taken or renewed for `ms`) */
    async takeLease(holder: string, ms: number): Promise<boolean> {
      return (await deps.redis.eval(LEASE, 1, leaseKey, holder, String(ms))) === 1;
    },
    /** gives the lease up, only if `holder` still holds it */
    async releaseLease(holder: string): Promise<void> {
      await deps.redis.eval(RELEASE, 1, leaseKey, holder);
    },
    /** up to `count` entries after `cursor`, waiting up to `blockMs` for one: [] when none came */
    async after(
      cursor: AuditSinkCursor,
      count: number,
      blockMs: number,
    ): Promise<{ id: string; entry: AuditEntry }[]> {
      const reply = StreamReply.parse(
        await deps.reader.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, cursor.id),
      );
      return (reply?.[0]?.[1] ?? []).map(([id, fields]) => ({
        id,
        entry: readJson(AuditEntry, fields[fields.indexOf('e') + 1] ?? 'null', 'audit entry'),
      }));
    },
  };
}
export type AuditSinkState = ReturnType<typeof createAuditSinkState>;
