import { InstanceChange, withChange } from '../../domain/findings/finding-change.js';
import {
  type Finding,
  instanceKey,
  type Scope,
  ScopeSnapshot,
  scopeKey,
} from '../../domain/findings/model.js';
import { ScanRecord } from '../../domain/findings/scan.js';
import type { DriftUpdate } from '../../domain/ports/drift.js';
import type { LaggardChanges, RegressionCause } from '../../domain/ports/findings.js';
import type { RedisClient } from './connection.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

const HISTORY_LIMIT = 1000;
/** SET KEYS[1] to ARGV[2] only while it still holds ARGV[1]: a snapshot patched without losing a scan's commit. */
const SWAP = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`;
const SNAPSHOT_CHUNK = 50;

/**
 * Redis layout (all under `<prefix>:`): snap:<account>:<region> the latest snapshot of a scope;
 * scopes a set of scope keys with a snapshot; laggard-since a hash instance -> first seen as a
 * laggard; scans a capped list of ScanRecord, newest first; changed:<account>:<region> a hash instance ->
 * the InstanceChange the bot last made to it (a scan that started before it keeps it in its snapshot).
 */
export function createFindingsStore({ redis, prefix }: { redis: RedisClient; prefix: string }) {
  const rk = redisKeys(prefix);

  /** Changes made after this scan started: the scan read the instances before them. */
  async function newerChanges(snapshot: ScopeSnapshot): Promise<InstanceChange[]> {
    const raw = await redis.hgetall(rk.changed(scopeKey(snapshot)));
    const all = Object.values(raw).map((v) => readJson(InstanceChange, v, 'finding change'));
    return all.filter((c) => c.at > snapshot.scannedAt);
  }

  const overlay = (snapshot: ScopeSnapshot, changes: InstanceChange[]): ScopeSnapshot => {
    if (changes.length === 0) return snapshot;
    const byId = new Map(changes.map((c) => [c.instanceId, c]));
    const findings = snapshot.findings.map((f) => {
      const c = byId.get(f.instanceId);
      return c ? withChange(f, c) : f;
    });
    return { ...snapshot, findings };
  };

  /** Rewrites a scope's snapshot with `patch`, retried when a scan commits in between. */
  async function patchSnapshot(scope: Scope, patch: (s: ScopeSnapshot) => ScopeSnapshot): Promise<void> {
    const key = rk.snapshot(scopeKey(scope));
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const raw = await redis.get(key);
      if (raw === null) return;
      const next = JSON.stringify(patch(readJson(ScopeSnapshot, raw, 'scope snapshot')));
      if ((await redis.eval(SWAP, 1, key, raw, next)) === 1) return;
    }
  }

  /** A snapshot with the drift's findings in place (a new one when the scope had none). */
  const withDrift = (scope: Scope, snap: ScopeSnapshot | null, u: DriftUpdate, now: Date): ScopeSnapshot => {
    const drop = new Set([...u.remove, ...u.upsert.map((f) => f.instanceId)]);
    const base = snap ?? {
      ...scope,
      scanId: u.scanId,
      scannedAt: now.toISOString(),
      findings: [],
      launchTemplates: [],
      accountDefault: null,
    };
    return { ...base, findings: [...base.findings.filter((f) => !drop.has(f.instanceId)), ...u.upsert] };
  };

  /**
   * A drift event's findings laid into the scope's snapshot (compare-and-set against a scan's
   * commit, created when the scope was never scanned), with the laggard bookkeeping of a scan.
   */
  async function applyDrift(scope: Scope, u: DriftUpdate, now: Date): Promise<void> {
    const key = rk.snapshot(scopeKey(scope));
    for (let attempt = 0; ; attempt += 1) {
      const raw = await redis.get(key);
      const snap = raw === null ? null : readJson(ScopeSnapshot, raw, 'scope snapshot');
      const next = JSON.stringify(withDrift(scope, snap, u, now));
      const written =
        raw === null
          ? (await redis.set(key, next, 'NX')) === 'OK'
          : (await redis.eval(SWAP, 1, key, raw, next)) === 1;
      if (written) break;
      if (attempt >= 9)
        throw new Error(`scope snapshot ${scopeKey(scope)} kept changing under a drift update`);
    }
    const tx = redis.multi().sadd(rk.scopes(), scopeKey(scope));
    if (u.upsert.length > 0) tx.hset(rk.where(), ...u.upsert.flatMap((f) => [f.instanceId, scopeKey(scope)]));
    for (const c of u.changes.became) tx.hsetnx(rk.laggardSince(), c, now.toISOString());
    if (u.changes.cleared.length > 0) tx.hdel(rk.laggardSince(), ...u.changes.cleared);
    if (u.changes.regressed?.length) tx.sadd(rk.regressed(), ...u.changes.regressed);
    if (u.changes.launched?.length) tx.sadd(rk.regressedLaunched(), ...u.changes.launched);
    await tx.exec();
  }

  return {
    async getSnapshot(scope: Scope): Promise<ScopeSnapshot | null> {
      const raw = await redis.get(rk.snapshot(scopeKey(scope)));
      return raw === null ? null : readJson(ScopeSnapshot, raw, 'scope snapshot');
    },

    /** Read in chunks, so a 100,000-instance fleet never holds all its raw JSON at once. */
    async getSnapshots(scopes: Scope[]): Promise<ScopeSnapshot[]> {
      const out: ScopeSnapshot[] = [];
      for (let i = 0; i < scopes.length; i += SNAPSHOT_CHUNK) {
        const raws = await redis.mget(
          ...scopes.slice(i, i + SNAPSHOT_CHUNK).map((s) => rk.snapshot(scopeKey(s))),
        );
        for (const raw of raws) if (raw !== null) out.push(readJson(ScopeSnapshot, raw, 'scope snapshot'));
      }
      return out;
    },

    /** The latest snapshot of every scope ever scanned (of one account, when given). */
    async latestSnapshots(accountId?: string): Promise<ScopeSnapshot[]> {
      const scopes = await this.listScopes();
      return this.getSnapshots(accountId ? scopes.filter((s) => s.accountId === accountId) : scopes);
    },

    async listScopes(): Promise<Scope[]> {
      const keys = await redis.smembers(rk.scopes());
      return keys.sort().map((key) => {
        const [accountId = '', region = ''] = key.split(':');
        return { accountId, region };
      });
    },

    /**
     * Stores a scope's new snapshot and the laggard first-seen bookkeeping in one transaction.
     * Returns, for each cleared instance, how long it had been a laggard (seconds).
     */
    async commitSnapshot(scanned: ScopeSnapshot, changes: LaggardChanges, now: Date): Promise<number[]> {
      const made = await newerChanges(scanned);
      const snapshot = overlay(scanned, made);
      const since =
        changes.cleared.length > 0 ? await redis.hmget(rk.laggardSince(), ...changes.cleared) : [];
      const tx = redis
        .multi()
        .set(rk.snapshot(scopeKey(snapshot)), JSON.stringify(snapshot))
        .sadd(rk.scopes(), scopeKey(snapshot));
      if (snapshot.findings.length > 0) {
        tx.hset(rk.where(), ...snapshot.findings.flatMap((f) => [f.instanceId, scopeKey(snapshot)]));
      }
      for (const key of changes.became) tx.hsetnx(rk.laggardSince(), key, now.toISOString());
      if (changes.cleared.length > 0) tx.hdel(rk.laggardSince(), ...changes.cleared);
      if (changes.regressed?.length) tx.sadd(rk.regressed(), ...changes.regressed);
      if (changes.launched?.length) tx.sadd(rk.regressedLaunched(), ...changes.launched);
      await tx.exec();
      return since.flatMap((iso) => (iso ? [Math.max(0, (now.getTime() - Date.parse(iso)) / 1000)] : []));
    },

    /** The latest finding for an instance id, wherever it is (null when no scan saw it). */
    async locate(instanceId: string): Promise<Finding | null> {
      const where = await redis.hget(rk.where(), instanceId);
      if (!where) return null;
      const [accountId = '', region = ''] = where.split(':');
      const snap = await this.getSnapshot({ accountId, region });
      return snap?.findings.find((f) => f.instanceId === instanceId) ?? null;
    },

    /** A change the bot just made to an instance: its finding says so at once, and scans keep it. */
    async recordInstanceChange(scope: Scope, change: InstanceChange): Promise<void> {
      await redis.hset(rk.changed(scopeKey(scope)), change.instanceId, JSON.stringify(change));
      await patchSnapshot(scope, (snap) => overlay(snap, [change]));
    },

    /** The last change the bot made to an instance. */
    async instanceChange(scope: Scope, instanceId: string): Promise<InstanceChange | null> {
      const raw = await redis.hget(rk.changed(scopeKey(scope)), instanceId);
      return raw ? readJson(InstanceChange, raw, 'finding change') : null;
    },

    /** A launch template's or the account default's row, rewritten after the bot changed it. */
    patchSnapshot,

    applyDrift,

    async laggardSince(instanceKeys: string[]): Promise<(string | null)[]> {
      return instanceKeys.length === 0 ? [] : redis.hmget(rk.laggardSince(), ...instanceKeys);
    },

    /**
     * Instances enforced lately: the next scans read their MetadataNoTokenRejected, because a
     * rejection means something on the instance still speaks IMDSv1 and now fails.
     */
    async watch(
      instance: { accountId: string; region: string; instanceId: string },
      requestId: string,
      at: Date,
    ): Promise<void> {
      const scope = scopeKey(instance);
      await redis
        .multi()
        .zadd(rk.watch(scope), at.getTime(), instance.instanceId)
        .hset(rk.watchRequest(), instanceKey(instance), requestId)
        .exec();
    },

    /** Instance ids of a scope enforced within `days` (older ones are dropped). */
    async watched(scope: Scope, now: Date, days: number): Promise<string[]> {
      const key = rk.watch(scopeKey(scope));
      await redis.zremrangebyscore(key, '-inf', now.getTime() - days * 86_400_000);
      return redis.zrange(key, 0, -1);
    },

    async watchRequest(key: string): Promise<string | null> {
      return redis.hget(rk.watchRequest(), key);
    },

    /** Regressions not yet told to their owners: instance key -> why. */
    async pendingRegressions(): Promise<Map<string, RegressionCause>> {
      const [keys, launched] = await Promise.all([
        redis.smembers(rk.regressed()),
        redis.smembers(rk.regressedLaunched()),
      ]);
      const isLaunch = new Set(launched);
      return new Map(keys.map((k) => [k, isLaunch.has(k) ? 'launched' : 'changed']));
    },

    async clearRegressions(keys: string[]): Promise<void> {
      if (keys.length === 0) return;
      await redis
        .multi()
        .srem(rk.regressed(), ...keys)
        .srem(rk.regressedLaunched(), ...keys)
        .exec();
    },

    async appendScan(record: ScanRecord): Promise<void> {
      await redis
        .multi()
        .lpush(rk.scans(), JSON.stringify(record))
        .ltrim(rk.scans(), 0, HISTORY_LIMIT - 1)
        .exec();
    },

    async recentScans(limit = 50): Promise<ScanRecord[]> {
      const raws = await redis.lrange(rk.scans(), 0, limit - 1);
      return raws.map((raw) => readJson(ScanRecord, raw, 'scan record'));
    },
  };
}
export type FindingsStore = ReturnType<typeof createFindingsStore>;
