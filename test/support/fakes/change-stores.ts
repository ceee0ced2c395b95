import { targetOf } from '../../../src/app/change/targets/index.js';
import { type AuditEntry, chainEntry } from '../../../src/domain/change/audit-chain.js';
import { transition } from '../../../src/domain/change/request.js';
import { ChangeRequest, ChangeState } from '../../../src/domain/change/request-schema.js';
import { CodedError } from '../../../src/domain/errors.js';
import type { LaunchTemplate } from '../../../src/domain/findings/model.js';
import type { AuditHistory, AuditLog } from '../../../src/domain/ports/audit.js';
import type {
  BulkCounts,
  BulkTally,
  ChangeMemo,
  Json,
  RefreshWatch,
} from '../../../src/domain/ports/change-memo.js';
import {
  type ChangeRequestStore,
  OPEN_STATES,
  type TargetRef,
} from '../../../src/domain/ports/change-requests.js';

/**
 * In-memory twins of change control's stores, held to the same contract tests as the Redis
 * adapters (test/integration/change-store-contract.test.ts). Everything is copied in and out, as a
 * store that serializes would.
 */

const copy = <T>(v: T): T => structuredClone(v);
const ms = (iso: string): number => Date.parse(iso);
const enteredAt = (cr: ChangeRequest): number => ms(cr.history.at(-1)?.at ?? cr.requestedAt);
const stateScore = (cr: ChangeRequest): number =>
  cr.state === 'requested' ? ms(cr.expiresAt) : enteredAt(cr);
const refKey = (r: TargetRef) => `${r.accountId}:${r.region}:${r.resource}`;

export function memoryChangeRequests(): ChangeRequestStore {
  const records = new Map<string, ChangeRequest>();
  /** open ref -> the request holding it */
  const open = new Map<string, string>();
  /** ref key -> request id -> when it was applied */
  const applied = new Map<string, Map<string, number>>();

  const appliedAt = (key: string): Map<string, number> => {
    const m = applied.get(key) ?? new Map<string, number>();
    applied.set(key, m);
    return m;
  };

  /** The write of the Redis adapter: the open targets claimed or released, the applied index moved. */
  function write(cr: ChangeRequest, prev: ChangeRequest | null): true | `open:${string}` {
    const kind = targetOf(cr.target);
    const opens = kind.openRefs(cr.target);
    if (prev === null && OPEN_STATES.includes(cr.state)) {
      const holder = opens.map((r) => open.get(r)).find((h) => h !== undefined && h !== cr.id);
      if (holder) return `open:${holder}`;
      for (const r of opens) open.set(r, cr.id);
    }
    if (prev && OPEN_STATES.includes(prev.state) && !OPEN_STATES.includes(cr.state))
      for (const r of opens) if (open.get(r) === cr.id) open.delete(r);
    const refs = kind.refs(cr.target).map(refKey);
    if (cr.state === 'rolled-back') for (const r of refs) appliedAt(r).delete(cr.id);
    else if (cr.state === 'applied' && prev?.state !== 'applied' && cr.kind !== 'rollback')
      for (const r of refs) appliedAt(r).set(cr.id, enteredAt(cr));
    records.set(cr.id, copy(cr));
    return true;
  }

  const all = () => [...records.values()].map(copy);
  const byScore = (a: ChangeRequest, b: ChangeRequest) => stateScore(a) - stateScore(b);
  const newest = (a: ChangeRequest, b: ChangeRequest) => ms(b.requestedAt) - ms(a.requestedAt);
  const newestApplied = (refs: string[]): string | undefined =>
    refs
      .flatMap((r) => [...appliedAt(r).entries()])
      .sort((a, b) => b[1] - a[1])
      .map(([id]) => id)[0];

  const store: ChangeRequestStore = {
    async create(input) {
      const cr = ChangeRequest.parse(input);
      if (records.has(cr.id)) return { ok: false, code: 'id-taken' };
      const out = write(cr, null);
      return out === true ? { ok: true } : { ok: false, code: 'target-open', openId: out.slice(5) };
    },
    async holders(target) {
      return targetOf(target)
        .openRefs(target)
        .map((r) => open.get(r) ?? null);
    },
    async get(id) {
      const cr = records.get(id);
      return cr ? copy(cr) : null;
    },
    async getMany(ids) {
      return ids.flatMap((id) => {
        const cr = records.get(id);
        return cr ? [copy(cr)] : [];
      });
    },
    async apply(id, event, now, opts = {}) {
      const fresh = await store.get(id);
      if (!fresh) throw new CodedError('change-not-found', `No change request ${id}.`);
      const decision = opts.guard?.(fresh) ?? { allowed: true };
      if (!decision.allowed)
        return { result: { ok: false, code: decision.code, message: decision.reason }, request: fresh };
      const result = transition(fresh, event, now);
      if (!result.ok) return { result, request: fresh };
      // compare-and-set, as the adapter's script: another writer in between means read again
      if (records.get(id)?.version !== fresh.version) return store.apply(id, event, now, opts);
      write(result.next, fresh);
      return { result, request: copy(result.next) };
    },
    async dueForExpiry(now, limit = 100) {
      return all()
        .filter((cr) => cr.state === 'requested' && ms(cr.expiresAt) <= now.getTime())
        .sort(byScore)
        .slice(0, limit);
    },
    async countsByState() {
      const counts = Object.fromEntries(ChangeState.options.map((st) => [st, 0])) as Record<
        ChangeState,
        number
      >;
      for (const cr of records.values()) counts[cr.state] += 1;
      return counts;
    },
    async inState(state: ChangeState, limit = 100) {
      return all()
        .filter((cr) => cr.state === state)
        .sort(byScore)
        .slice(0, limit);
    },
    async pendingApprovals(limit = 50, opts = {}) {
      const user = opts.forUser;
      const mine = (cr: ChangeRequest) =>
        user !== undefined && (cr.requestedBy.userId === user || cr.approvals.some((a) => a.userId === user));
      return all()
        .filter((cr) => cr.state === 'requested')
        .filter((cr) => !opts.now || ms(cr.expiresAt) > opts.now.getTime())
        .filter((cr) => !mine(cr))
        .sort(byScore)
        .slice(0, limit);
    },
    async forTarget(accountId, region, resourceId, limit = 20) {
      const wanted = new Set(
        [region, '*'].map((r) => refKey({ accountId, region: r, resource: resourceId })),
      );
      return all()
        .filter((cr) =>
          targetOf(cr.target)
            .refs(cr.target)
            .some((r) => wanted.has(refKey(r))),
        )
        .sort(newest)
        .slice(0, limit);
    },
    async byRequester(userId, limit = 20) {
      return all()
        .filter((cr) => cr.requestedBy.userId === userId)
        .sort(newest)
        .slice(0, limit);
    },
    async unapplied(id, target) {
      for (const region of [target.region, '*']) appliedAt(refKey({ ...target, region })).delete(id);
    },
    async lastApplied(target) {
      const id = newestApplied([target.region, '*'].map((region) => refKey({ ...target, region })));
      return id === undefined ? null : store.get(id);
    },
  };
  return store;
}

/** The audit chain in memory: the same chainEntry as the Redis stream, so `verifyChain` holds. */
export function memoryAudit(): AuditLog & AuditHistory & { entries(): AuditEntry[] } {
  const entries: AuditEntry[] = [];
  const byKey = new Map<string, number>();
  return {
    async append(body, opts = {}) {
      const key = opts.idempotencyKey;
      const seen = key === undefined ? undefined : byKey.get(key);
      if (seen !== undefined)
        return { entry: copy(entries[seen - 1] as AuditEntry), id: String(seen), created: false };
      const entry = chainEntry(entries.at(-1) ?? null, body);
      entries.push(entry);
      if (key !== undefined) byKey.set(key, entry.seq);
      return { entry: copy(entry), id: String(entry.seq), created: true };
    },
    async head() {
      const last = entries.at(-1);
      return last ? copy(last) : null;
    },
    async historyOf(instanceIds, limit) {
      const out = new Map<string, AuditEntry[]>();
      for (const id of instanceIds) {
        const mine = entries
          .filter((e) => e.target.resource === id)
          .reverse()
          .slice(0, limit);
        if (mine.length > 0) out.set(id, mine.map(copy));
      }
      return out;
    },
    entries: () => entries.map(copy),
  };
}

export function memoryMemo(): ChangeMemo {
  const befores = new Map<string, Json>();
  const rows = new Map<string, LaunchTemplate>();
  const watches = new Map<string, RefreshWatch>();
  return {
    async keepBefore(key, before) {
      if (!befores.has(key)) befores.set(key, copy(before));
    },
    async before(key) {
      const b = befores.get(key);
      return b ? copy(b) : null;
    },
    async keepTemplateRow(requestId, row) {
      rows.set(requestId, copy(row));
    },
    async templateRow(requestId) {
      const row = rows.get(requestId);
      return row ? copy(row) : null;
    },
    async keepWatch(requestId, next) {
      watches.set(requestId, copy(next));
    },
    async endWatch(requestId) {
      watches.delete(requestId);
    },
    watches: async () => new Map([...watches].map(([id, w]) => [id, copy(w)])),
  };
}

export function memoryTally(): BulkTally {
  const counts = new Map<string, BulkCounts>();
  const skipped = new Map<string, Map<string, string>>();
  const seen = new Set<string>();
  const of = (id: string): BulkCounts => counts.get(id) ?? { done: 0, failed: 0, skipped: 0, finished: 0 };
  return {
    async count(requestId, instanceId, outcome) {
      const c = of(requestId);
      if (seen.has(`${requestId}:${instanceId}`)) return { ...c, counted: false };
      seen.add(`${requestId}:${instanceId}`);
      const next = { ...c, [outcome]: c[outcome] + 1, finished: c.finished + 1 };
      counts.set(requestId, next);
      return { ...next, counted: true };
    },
    async counts(requestId) {
      return { ...of(requestId) };
    },
    async skip(requestId, instanceId, reason) {
      const m = skipped.get(requestId) ?? new Map<string, string>();
      m.set(instanceId, reason);
      skipped.set(requestId, m);
    },
    async skipped(requestId) {
      return [...(skipped.get(requestId)?.values() ?? [])];
    },
  };
}
