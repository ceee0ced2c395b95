import { z } from 'zod';
import {
  type AuditBody,
  AuditEntry,
  type ChainResult,
  canonicalJson,
  chainEntry,
  createChainVerifier,
} from '../../domain/change/audit-chain.js';
import { CodedError } from '../../domain/errors.js';
import { csvCell } from '../../report/format.js';
import type { RedisClient } from './connection.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

/**
 * Appends `e` (ARGV[2]) to the stream when the head still holds ARGV[1] ('' = empty chain), moves the
 * head, records the idempotency key (ARGV[3] = '1': KEYS[3], kept ARGV[5] seconds) and indexes the
 * entry in the remaining KEYS with score seq (ARGV[4]). Returns {status, stream id or current head}.
 */
const APPEND = `
local first = 3
if ARGV[3] == '1' then
  local seen = redis.call('GET', KEYS[3])
  if seen then return {'dup', seen} end
  first = 4
end
local cur = redis.call('HGET', KEYS[1], 'e') or ''
if cur ~= ARGV[1] then return {'conflict', cur} end
local id = redis.call('XADD', KEYS[2], '*', 'e', ARGV[2])
redis.call('HSET', KEYS[1], 'e', ARGV[2], 'id', id)
if ARGV[3] == '1' then redis.call('SET', KEYS[3], id, 'EX', ARGV[5]) end
for i = first, #KEYS do redis.call('ZADD', KEYS[i], ARGV[4], id) end
return {'ok', id}`;

const AppendReply = z.tuple([z.enum(['ok', 'dup', 'conflict']), z.string()]);
const StreamPage = z.array(z.tuple([z.string(), z.array(z.string())]));
const IdList = z.array(z.string());
const Head = z.object({ e: z.string(), id: z.string() });

export interface AppendResult {
  entry: AuditEntry;
  /** the stream entry id */
  id: string;
  /** false when the idempotency key had already been used: `entry` is the one written then */
  created: boolean;
}

export interface AppendOptions {
  /** e.g. `${requestId}:${type}:${attempt}`: a second append with the same key adds nothing */
  idempotencyKey?: string;
}

const PAGE = 200;
const MAX_ATTEMPTS = 200;
const DAY_S = 86_400;

export const AUDIT_CSV_COLUMNS: readonly [string, (e: AuditEntry) => string | number | null][] = [
  ['seq', (e) => e.seq],
  ['at', (e) => e.at],
  ['type', (e) => e.type],
  ['actor', (e) => ('userId' in e.actor ? e.actor.userId : `system:${e.actor.system}`)],
  ['actorName', (e) => ('name' in e.actor ? e.actor.name : null)],
  ['accountId', (e) => e.target.accountId],
  ['region', (e) => e.target.region],
  ['resource', (e) => e.target.resource],
  ['requestId', (e) => e.requestId],
  ['reason', (e) => e.reason],
  ['before', (e) => (e.before ? canonicalJson(e.before) : null)],
  ['after', (e) => (e.after ? canonicalJson(e.after) : null)],
  ['awsRequestId', (e) => e.awsRequestId],
  // the STS session a change was made with: what CloudTrail in the member account shows
  ['awsRoleArn', (e) => e.session?.roleArn ?? null],
  ['awsSessionName', (e) => e.session?.sessionName ?? null],
  ['awsSourceIdentity', (e) => e.session?.sourceIdentity ?? null],
  ['jobId', (e) => e.jobId],
  ['card', (e) => (e.card ? `${e.card.channel}/${e.card.ts}` : null)],
  ['prevHash', (e) => e.prevHash],
  ['hash', (e) => e.hash],
];

const parseEntry = (json: string): AuditEntry => readJson(AuditEntry, json, 'audit entry');
const fieldE = (fields: string[]): string => fields[fields.indexOf('e') + 1] ?? 'null';
const pause = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(attempt, 20)));

/** how long an append waits for its replicas (WAIT) before it is tried again */
const REPLICA_WAIT_MS = 2000;

/**
 * The audit trail: a hash chain in the stream `<prefix>:audit`, one field `e` per entry (its canonical
 * JSON). audit:head is a hash {e: the last entry, id: its stream id}; audit:idem:<key> the stream id
 * an idempotency key wrote; audit:idx:resource:<resource> and audit:idx:user:<userId> stream ids by seq.
 */
export function createAuditStore({
  redis,
  prefix,
  idempotencyTtlDays = 90,
  replicas = 0,
}: {
  redis: RedisClient;
  prefix: string;
  idempotencyTtlDays?: number;
  /**
   * replicas that must hold an entry before append() returns (WAIT): with Sentinel, so that a
   * failover cannot lose an entry the caller was told is written; 0 on a single node
   */
  replicas?: number;
}) {
  const rk = redisKeys(prefix);
  const stream = rk.auditStream();

  async function readHead(): Promise<{ e: string; id: string } | null> {
    const raw = await redis.hgetall(rk.auditHead());
    return raw.e === undefined ? null : Head.parse(raw);
  }

  async function byId(id: string): Promise<AuditEntry> {
    const [row] = StreamPage.parse(await redis.xrange(stream, id, id));
    if (!row) throw new CodedError('audit-missing', `Audit entry ${id} is missing from the stream.`);
    return parseEntry(fieldE(row[1]));
  }

  function indexKeys(entry: AuditEntry): string[] {
    const keys = [rk.auditIndex('resource', entry.target.resource)];
    if ('userId' in entry.actor) keys.push(rk.auditIndex('user', entry.actor.userId));
    return keys;
  }

  async function tryAppend(headJson: string, entry: AuditEntry, idem: string | undefined) {
    const e = canonicalJson(entry);
    const keys = [
      rk.auditHead(),
      stream,
      ...(idem === undefined ? [] : [rk.auditIdempotency(idem)]),
      ...indexKeys(entry),
    ];
    const ttl = String(Math.round(idempotencyTtlDays * DAY_S));
    const args = [headJson, e, idem === undefined ? '0' : '1', String(entry.seq), ttl];
    return AppendReply.parse(await redis.eval(APPEND, keys.length, ...keys, ...args));
  }

  /** Pages of a stream range, oldest first, as [stream id, entry JSON]. */
  async function* pages(start: string, end: string): AsyncGenerator<[string, string][]> {
    for (let from = start; ; ) {
      const rows = StreamPage.parse(await redis.xrange(stream, from, end, 'COUNT', PAGE));
      if (rows.length > 0) yield rows.map(([id, fields]) => [id, fieldE(fields)]);
      const last = rows.at(-1);
      if (rows.length < PAGE || !last) return;
      from = `(${last[0]}`;
    }
  }

  /** Entries by stream id, in the order given; ids no longer in the stream are left out. */
  async function byIds(ids: string[]): Promise<AuditEntry[]> {
    const found = await entriesAt(ids);
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  /** stream id → entry, in one pipelined round trip; ids no longer in the stream are left out. */
  async function entriesAt(ids: readonly string[]): Promise<Map<string, AuditEntry>> {
    const found = new Map<string, AuditEntry>();
    if (ids.length === 0) return found;
    const pipe = redis.pipeline();
    for (const id of ids) pipe.xrange(stream, id, id);
    for (const [err, reply] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      const [row] = StreamPage.parse(reply);
      if (row) found.set(row[0], parseEntry(fieldE(row[1])));
    }
    return found;
  }

  /** The result, once `replicas` replicas hold it; else a transient error, so the caller tries again. */
  async function replicated(result: AppendResult): Promise<AppendResult> {
    if (replicas === 0) return result;
    const acked = await redis.wait(replicas, REPLICA_WAIT_MS);
    if (acked >= replicas) return result;
    throw new CodedError(
      'audit-not-replicated',
      `Audit entry #${result.entry.seq} reached ${acked} of ${replicas} replica(s) in ${REPLICA_WAIT_MS} ms: tried again.`,
      { transient: true },
    );
  }

  async function fromIndex(key: string, limit: number, keep: (e: AuditEntry) => boolean) {
    const out: AuditEntry[] = [];
    for (let offset = 0; out.length < limit; offset += PAGE) {
      const ids = await redis.zrevrange(key, offset, offset + PAGE - 1);
      out.push(...(await byIds(ids)).filter(keep));
      if (ids.length < PAGE) break;
    }
    return out.slice(0, limit);
  }

  /** Every entry with `at` at or after `since` (or with a seq above `afterSeq`), oldest first. */
  async function* entries(opts: { since?: Date; afterSeq?: number } = {}): AsyncGenerator<AuditEntry> {
    const since = opts.since?.getTime() ?? Number.NEGATIVE_INFINITY;
    const afterSeq = opts.afterSeq ?? 0;
    for await (const page of pages('-', '+')) {
      for (const [, json] of page) {
        const entry = parseEntry(json);
        if (entry.seq <= afterSeq || Date.parse(entry.at) < since) continue;
        yield entry;
      }
    }
  }

  return {
    /**
     * Chains `body` after the current head and adds it in one atomic step; when another writer moved
     * the head first, rebuilds on the new head and tries again, so the chain never forks.
     */
    async append(body: AuditBody, opts: AppendOptions = {}): Promise<AppendResult> {
      const idem = opts.idempotencyKey;
      if (idem !== undefined) {
        const seen = await redis.get(rk.auditIdempotency(idem));
        if (seen !== null) return replicated({ entry: await byId(seen), id: seen, created: false });
      }
      let headJson = (await readHead())?.e ?? '';
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
        const entry = chainEntry(headJson === '' ? null : parseEntry(headJson), body);
        const [status, value] = await tryAppend(headJson, entry, idem);
        if (status === 'ok') return replicated({ entry, id: value, created: true });
        if (status === 'dup') return replicated({ entry: await byId(value), id: value, created: false });
        headJson = value;
        await pause(attempt);
      }
      throw new CodedError('audit-conflict', 'The audit trail is too busy; try again.', { transient: true });
    },

    /** seq → hash of the entries with these seqs that are still in the stream (for anchors). */
    async hashesAt(seqs: readonly number[]): Promise<Map<number, string>> {
      const wanted = new Set(seqs);
      const found = new Map<number, string>();
      for await (const page of pages('-', '+')) {
        for (const [, json] of page) {
          const e = AuditEntry.safeParse(safeJson(json));
          if (e.success && wanted.has(e.data.seq)) found.set(e.data.seq, e.data.hash);
        }
      }
      return found;
    },

    /** The last entry written, or null on an empty trail. */
    async head(): Promise<AuditEntry | null> {
      const head = await readHead();
      return head ? parseEntry(head.e) : null;
    },

    /** Newest first; `instanceId` matches target.resource, `userId` the actor. */
    async recent(opts: { limit?: number; instanceId?: string; userId?: string } = {}): Promise<AuditEntry[]> {
      const limit = opts.limit ?? 20;
      const { instanceId, userId } = opts;
      const byUser = (e: AuditEntry) =>
        userId === undefined || ('userId' in e.actor && e.actor.userId === userId);
      if (instanceId !== undefined) return fromIndex(rk.auditIndex('resource', instanceId), limit, byUser);
      if (userId !== undefined) return fromIndex(rk.auditIndex('user', userId), limit, () => true);
      const rows = StreamPage.parse(await redis.xrevrange(stream, '+', '-', 'COUNT', limit));
      return rows.map(([, fields]) => parseEntry(fieldE(fields)));
    },

    /**
     * Each instance's newest `limit` entries, newest first, for many instances in two pipelined
     * round trips (the index, then the entries); instances without any are left out of the map.
     */
    async historyOf(instanceIds: readonly string[], limit: number): Promise<Map<string, AuditEntry[]>> {
      const out = new Map<string, AuditEntry[]>();
      if (instanceIds.length === 0 || limit <= 0) return out;
      const index = redis.pipeline();
      for (const id of instanceIds) index.zrevrange(rk.auditIndex('resource', id), 0, limit - 1);
      const streamIds = ((await index.exec()) ?? []).map(([err, reply]) => {
        if (err) throw err;
        return IdList.parse(reply);
      });
      const found = await entriesAt(streamIds.flat());
      for (const [i, ids] of streamIds.entries()) {
        const mine = ids.flatMap((id) => found.get(id) ?? []);
        if (mine.length > 0) out.set(instanceIds[i] ?? '', mine);
      }
      return out;
    },

    entries,

    /**
     * Every entry with `at` at or after `since`, oldest first, one line at a time (each ends with its
     * line break: `\n` for jsonl, `\r\n` for csv after a header line), read from the stream in pages.
     */
    async *export(opts: { since?: Date; format: 'jsonl' | 'csv' }): AsyncGenerator<string> {
      if (opts.format === 'csv') yield `${AUDIT_CSV_COLUMNS.map(([h]) => h).join(',')}\r\n`;
      for await (const entry of entries(opts.since ? { since: opts.since } : {})) {
        if (opts.format === 'jsonl') yield `${canonicalJson(entry)}\n`;
        else yield `${AUDIT_CSV_COLUMNS.map(([, get]) => csvCell(get(entry))).join(',')}\r\n`;
      }
    },

    /**
     * Streams the chain, up to the head read first, through the verifier; then checks that it ends at
     * the stored head, which catches a truncated tail.
     */
    async verify(): Promise<ChainResult> {
      const head = await readHead();
      const verifier = createChainVerifier();
      for await (const page of pages('-', head?.id ?? '+')) {
        for (const [, json] of page) verifier.push(safeJson(json));
      }
      const result = verifier.result();
      if (!result.ok) return result;
      const stored = head ? parseEntry(head.e) : null;
      const [seq, storedSeq] = [result.head?.seq ?? 0, stored?.seq ?? 0];
      if (seq === storedSeq && result.head?.hash === stored?.hash) return result;
      const reason =
        seq < storedSeq
          ? `the chain ends at seq ${seq} but the stored head is seq ${storedSeq}: entries are missing at the end`
          : `the chain ends at seq ${seq} but the stored head is seq ${storedSeq}: the head was lost or rewritten`;
      return { ok: false, brokenAt: seq === storedSeq ? seq : Math.min(seq, storedSeq) + 1, reason };
    },
  };
}
export type AuditStore = ReturnType<typeof createAuditStore>;

function safeJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return null; // the verifier reports it as a malformed entry
  }
}
