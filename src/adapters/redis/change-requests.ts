import { targetOf } from '../../app/change/targets/index.js';
import { transition } from '../../domain/change/request.js';
import {
  type ChangeEvent,
  ChangeRequest,
  ChangeState,
  type ChangeTarget,
} from '../../domain/change/request-schema.js';
import { CodedError } from '../../domain/errors.js';
import {
  type ApplyOptions,
  type ApplyResult,
  type ChangeRequestStore,
  type CreateResult,
  OPEN_STATES,
  type TargetRef,
} from '../../domain/ports/change-requests.js';
import type { RedisClient } from './connection.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

/** The resources a target touches, and the keys of the open request holding it (its kind's). */
const targetRefs = (t: ChangeTarget): TargetRef[] => targetOf(t).refs(t);
const openRefs = (t: ChangeTarget): string[] => targetOf(t).openRefs(t);

/**
 * Writes a request when its stored version is ARGV[1] ('' = only when absent) and moves it between the
 * indexes in the same step. KEYS: record, old state zset, new state zset, requester zset, ARGV[8] target
 * history zsets, ARGV[10] applied-enforcement zsets (ARGV[7]: add | rem | none), then the open-target
 * keys (ARGV[11]: claim them all or refuse with the holder's id | release those this request holds | none).
 */
const WRITE = `
local cur = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '' then
  if cur then return 0 end
elseif cur ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[8])
local a = tonumber(ARGV[10])
local open = 5 + n + a
if ARGV[11] == 'claim' then
  for i = open, #KEYS do
    local holder = redis.call('GET', KEYS[i])
    if holder and holder ~= ARGV[4] then return 'open:' .. holder end
  end
  for i = open, #KEYS do redis.call('SET', KEYS[i], ARGV[4]) end
elseif ARGV[11] == 'release' then
  for i = open, #KEYS do
    if redis.call('GET', KEYS[i]) == ARGV[4] then redis.call('DEL', KEYS[i]) end
  end
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'json', ARGV[3])
if KEYS[2] ~= KEYS[3] then redis.call('ZREM', KEYS[2], ARGV[4]) end
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[4])
for i = 5, 4 + n do redis.call('ZADD', KEYS[i], ARGV[6], ARGV[4]) end
for i = 5 + n, 4 + n + a do
  if ARGV[7] == 'add' then redis.call('ZADD', KEYS[i], ARGV[9], ARGV[4])
  elseif ARGV[7] == 'rem' then redis.call('ZREM', KEYS[i], ARGV[4]) end
end
return 1`;

const PAGE = 100;
const ms = (iso: string): number => Date.parse(iso);
/** When it entered its state; a pending request is ranked by when it expires instead. */
const stateScore = (cr: ChangeRequest): number =>
  cr.state === 'requested' ? ms(cr.expiresAt) : ms(cr.history.at(-1)?.at ?? cr.requestedAt);

function openOp(prev: ChangeState | null, cr: ChangeRequest): 'claim' | 'release' | 'none' {
  if (prev === null) return OPEN_STATES.includes(cr.state) ? 'claim' : 'none';
  return OPEN_STATES.includes(prev) && !OPEN_STATES.includes(cr.state) ? 'release' : 'none';
}

function appliedOp(prev: ChangeState | null, cr: ChangeRequest): 'add' | 'rem' | 'none' {
  if (cr.state === 'rolled-back') return 'rem';
  if (cr.state === 'applied' && prev !== 'applied' && cr.kind !== 'rollback') return 'add';
  return 'none';
}

/**
 * Redis layout (under `<prefix>:`): cr:<id> a hash {v: version, json}; cr-state:<state> a sorted set
 * of ids (score: expiresAt for `requested`, else when the state was entered); cr-by:<userId> and
 * cr-target:<account>:<region>:<resource> by requestedAt; cr-applied:<account>:<region>:<resource>
 * the applied, not rolled-back enforcements by when they were applied; cr-open:<openRef> the id of
 * the one open request holding that target.
 */
export function createChangeRequestStore({
  redis,
  prefix,
}: {
  redis: RedisClient;
  prefix: string;
}): ChangeRequestStore {
  const rk = redisKeys(prefix);
  const refKey = (kind: 'cr-target' | 'cr-applied', r: TargetRef) =>
    rk.requestsOfTarget(kind, r.accountId, r.region, r.resource);

  /** 1 written, 0 a version conflict (or the id exists), `open:<id>` a target held by request id. */
  async function write(cr: ChangeRequest, prev: ChangeRequest | null): Promise<1 | 0 | `open:${string}`> {
    const refs = targetRefs(cr.target);
    const op = appliedOp(prev?.state ?? null, cr);
    const open = openOp(prev?.state ?? null, cr);
    const history = prev ? [] : refs.map((r) => refKey('cr-target', r));
    const applied = op === 'none' ? [] : refs.map((r) => refKey('cr-applied', r));
    const opens = open === 'none' ? [] : openRefs(cr.target).map((r) => rk.openRequest(r));
    const keys = [
      rk.request(cr.id),
      rk.requestsInState(prev?.state ?? cr.state),
      rk.requestsInState(cr.state),
      rk.requestsBy(cr.requestedBy.userId),
      ...history,
      ...applied,
      ...opens,
    ];
    const args = [prev ? String(prev.version) : '', String(cr.version), JSON.stringify(cr), cr.id];
    args.push(String(stateScore(cr)), String(ms(cr.requestedAt)), op, String(history.length));
    args.push(String(ms(cr.history.at(-1)?.at ?? cr.requestedAt)), String(applied.length), open);
    const out = await redis.eval(WRITE, keys.length, ...keys, ...args);
    return out === 1 ? 1 : typeof out === 'string' && out.startsWith('open:') ? (out as `open:${string}`) : 0;
  }

  async function getMany(ids: string[]): Promise<ChangeRequest[]> {
    if (ids.length === 0) return [];
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hget(rk.request(id), 'json');
    const rows = (await pipe.exec()) ?? [];
    return rows.flatMap(([err, raw]) => {
      if (err) throw err;
      return typeof raw === 'string' ? [readJson(ChangeRequest, raw, 'change request')] : [];
    });
  }

  /** Ids from several sorted sets, highest score first, without duplicates. */
  async function newestOf(keys: string[], limit: number): Promise<string[]> {
    const scored = new Map<string, number>();
    for (const key of keys) {
      const flat = await redis.zrevrange(key, 0, limit - 1, 'WITHSCORES');
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const [id = '', score = '0'] = [flat[i], flat[i + 1]];
        scored.set(id, Math.max(Number(score), scored.get(id) ?? Number.NEGATIVE_INFINITY));
      }
    }
    return [...scored.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([id]) => id);
  }

  const store = {
    /**
     * Stores a new request and claims its targets in one step: refused, with nothing changed, when the
     * id exists or an open request holds any of its targets (of whatever kind; a bulk holds each instance).
     */
    async create(cr: ChangeRequest): Promise<CreateResult> {
      const out = await write(ChangeRequest.parse(cr), null);
      if (out === 1) return { ok: true };
      if (out === 0) return { ok: false, code: 'id-taken' };
      return { ok: false, code: 'target-open', openId: out.slice('open:'.length) };
    },

    /** For each part of a target (each instance of a bulk), the open request holding it, or null. */
    async holders(target: ChangeTarget): Promise<(string | null)[]> {
      return redis.mget(...openRefs(target).map((r) => rk.openRequest(r)));
    },

    async get(id: string): Promise<ChangeRequest | null> {
      return (await getMany([id]))[0] ?? null;
    },

    getMany,

    /**
     * Runs `transition` on the stored request and writes the result only if nobody wrote in between;
     * on a conflict it re-reads and tries again, so of racing events exactly one is accepted and the
     * others get the refusal the fresh state gives. Throws `change-not-found` or `change-conflict`.
     */
    async apply(id: string, event: ChangeEvent, now: Date, opts: ApplyOptions = {}): Promise<ApplyResult> {
      const maxAttempts = opts.maxAttempts ?? 10;
      for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
        const fresh = await store.get(id);
        if (!fresh) throw new CodedError('change-not-found', `No change request ${id}.`);
        const decision = opts.guard?.(fresh) ?? { allowed: true };
        if (!decision.allowed) {
          const result = { ok: false, code: decision.code, message: decision.reason } as const;
          return { result, request: fresh };
        }
        const result = transition(fresh, event, now);
        if (!result.ok) return { result, request: fresh };
        if ((await write(result.next, fresh)) === 1) return { result, request: result.next };
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
      const message = `Change ${id} was being changed by others; try again.`;
      throw new CodedError('change-conflict', message, { transient: true });
    },

    /** Pending requests whose expiresAt is at or before `now`, soonest first: the expiry sweeper's work. */
    async dueForExpiry(now: Date, limit = PAGE): Promise<ChangeRequest[]> {
      const ids = await redis.zrangebyscore(
        rk.requestsInState('requested'),
        '-inf',
        now.getTime(),
        'LIMIT',
        0,
        limit,
      );
      return getMany(ids);
    },

    /** How many requests are in each state (for the metrics endpoint). */
    async countsByState(): Promise<Record<ChangeState, number>> {
      const pipe = redis.pipeline();
      for (const state of ChangeState.options) pipe.zcard(rk.requestsInState(state));
      const counts = ((await pipe.exec()) ?? []).map(([err, n]) => {
        if (err) throw err;
        return Number(n);
      });
      return Object.fromEntries(ChangeState.options.map((s, i) => [s, counts[i] ?? 0])) as Record<
        ChangeState,
        number
      >;
    },

    /** Requests in a state, oldest first (pending ones: soonest to expire first). */
    async inState(state: ChangeState, limit = PAGE): Promise<ChangeRequest[]> {
      return getMany(await redis.zrange(rk.requestsInState(state), 0, limit - 1));
    },

    /**
     * Requests waiting for approval, soonest to expire first. `now` leaves out the ones already past
     * expiresAt; `forUser` the ones that user requested or already approved (nothing for them to do).
     */
    async pendingApprovals(
      limit = 50,
      opts: { now?: Date; forUser?: string } = {},
    ): Promise<ChangeRequest[]> {
      const min = opts.now ? `(${opts.now.getTime()}` : '-inf';
      const out: ChangeRequest[] = [];
      for (let offset = 0; out.length < limit; offset += PAGE) {
        const ids = await redis.zrangebyscore(
          rk.requestsInState('requested'),
          min,
          '+inf',
          'LIMIT',
          offset,
          PAGE,
        );
        const user = opts.forUser;
        const mine = (cr: ChangeRequest) =>
          user !== undefined &&
          (cr.requestedBy.userId === user || cr.approvals.some((a) => a.userId === user));
        out.push(...(await getMany(ids)).filter((cr) => !mine(cr)));
        if (ids.length < PAGE) break;
      }
      return out.slice(0, limit);
    },

    /** Requests on a resource (including bulks that contain it), newest first. */
    async forTarget(accountId: string, region: string, resourceId: string, limit = 20) {
      const refs = [region, '*'].map((r) =>
        refKey('cr-target', { accountId, region: r, resource: resourceId }),
      );
      return getMany(await newestOf(refs, limit));
    },

    async byRequester(userId: string, limit = 20): Promise<ChangeRequest[]> {
      return getMany(await redis.zrevrange(rk.requestsBy(userId), 0, limit - 1));
    },

    /** One resource of a bulk rolled back on its own: the bulk no longer counts as its enforcement. */
    async unapplied(id: string, target: TargetRef): Promise<void> {
      const pipe = redis.pipeline();
      for (const r of [target.region, '*']) pipe.zrem(refKey('cr-applied', { ...target, region: r }), id);
      await pipe.exec();
    },

    /** The latest applied, not rolled-back enforcement on a resource: what a rollback would undo. */
    async lastApplied(target: TargetRef): Promise<ChangeRequest | null> {
      const refs = [target.region, '*'].map((r) => refKey('cr-applied', { ...target, region: r }));
      const [id] = await newestOf(refs, 1);
      return id === undefined ? null : store.get(id);
    },
  };
  return store;
}
