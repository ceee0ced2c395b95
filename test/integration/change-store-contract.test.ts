import { describe, expect, it } from 'vitest';
import { createAuditStore } from '../../src/adapters/redis/audit.js';
import { createBulkTally, createChangeMemo } from '../../src/adapters/redis/change-memo.js';
import { createChangeRequestStore } from '../../src/adapters/redis/change-requests.js';
import type { AuditBody } from '../../src/domain/change/audit-chain.js';
import { verifyChain } from '../../src/domain/change/audit-chain.js';
import type { ChangeEvent } from '../../src/domain/change/request-schema.js';
import type { LaunchTemplate } from '../../src/domain/findings/model.js';
import type { AuditLog } from '../../src/domain/ports/audit.js';
import type { BulkTally, ChangeMemo } from '../../src/domain/ports/change-memo.js';
import type { ChangeRequestStore } from '../../src/domain/ports/change-requests.js';
import { ACCOUNT, alice, hours, instanceTarget, newRequest, REGION } from '../support/change-requests.js';
import {
  memoryAudit,
  memoryChangeRequests,
  memoryMemo,
  memoryTally,
} from '../support/fakes/change-stores.js';
import { testRedis } from '../support/redis-prefix.js';

/**
 * One contract for change control's stores, run against the Redis adapters (a real redis-server)
 * and the in-memory fakes the unit tests use (bullmq's adapter-conformance idea): a fake that
 * passes behaves as the adapter does where the use cases can tell.
 */

interface Stores {
  requests: ChangeRequestStore;
  audit: AuditLog & { entries(): Promise<unknown[]> };
  memo: ChangeMemo;
  tally: BulkTally;
}

const bob = { userId: 'UBOB', name: 'bob' };
const carol = { userId: 'UCAROL', name: 'carol' };
const approve = (by: { userId: string; name: string }): ChangeEvent => ({ type: 'approve', by });
const bulkTarget = (...ids: string[]) => ({
  type: 'bulk' as const,
  accountId: ACCOUNT,
  region: REGION,
  owner: null,
  instanceIds: ids,
});
const body = (reason: string): AuditBody => ({
  at: hours(0).toISOString(),
  type: 'requested',
  actor: alice,
  target: { accountId: ACCOUNT, region: REGION, resource: 'i-1' },
  requestId: 'cr-1',
  before: null,
  after: null,
  reason,
  awsRequestId: null,
  jobId: null,
  card: null,
});
const row: LaunchTemplate = {
  accountId: ACCOUNT,
  region: REGION,
  launchTemplateId: 'lt-0abc',
  name: 'web',
  defaultVersion: 3,
  latestVersion: 4,
  httpTokens: 'optional',
  httpEndpoint: 'enabled',
  hopLimit: null,
};

/** Drives a request to applied: approved by bob, applying in job j, applied at `at`. */
async function applied(s: ChangeRequestStore, cr: ReturnType<typeof newRequest>, at: Date) {
  await s.create(cr);
  await s.apply(cr.id, approve(bob), at);
  await s.apply(cr.id, { type: 'start-apply', jobId: 'j' }, at);
  return s.apply(cr.id, { type: 'applied', after: { httpTokens: 'required' }, awsRequestId: 'r-1' }, at);
}

function contract(name: string, make: () => Stores) {
  describe(`change stores contract: ${name}`, () => {
    it('creates a request once and reads it back as it was', async () => {
      const { requests } = make();
      const cr = newRequest();
      expect(await requests.create(cr)).toEqual({ ok: true });
      expect(await requests.create({ ...cr, reason: 'again' })).toEqual({ ok: false, code: 'id-taken' });
      expect(await requests.get(cr.id)).toEqual(cr);
      expect(await requests.get('cr-none')).toBeNull();
      expect(await requests.getMany([cr.id, 'cr-none'])).toEqual([cr]);
    });

    it('one open request per target: a bulk holds each instance, and a decided request frees them', async () => {
      const { requests } = make();
      const bulk = newRequest({ kind: 'bulk-enforce', target: bulkTarget('i-b0', 'i-b1') });
      expect(await requests.create(bulk)).toEqual({ ok: true });
      const single = newRequest({ target: instanceTarget('i-b1') });
      expect(await requests.create(single)).toEqual({ ok: false, code: 'target-open', openId: bulk.id });
      expect(await requests.get(single.id)).toBeNull();
      expect(await requests.holders(bulkTarget('i-b0', 'i-b9'))).toEqual([bulk.id, null]);
      await requests.apply(bulk.id, { type: 'deny', by: bob, reason: 'not now' }, hours(1));
      expect(await requests.holders(bulkTarget('i-b0', 'i-b1'))).toEqual([null, null]);
      expect(await requests.create(single)).toEqual({ ok: true });
    });

    it('applies events through the state machine; a refused one changes nothing', async () => {
      const { requests } = make();
      const cr = newRequest();
      await requests.create(cr);
      const self = await requests.apply(cr.id, approve(alice), hours(1));
      expect(self.result).toMatchObject({ ok: false, code: 'self-approval' });
      expect(self.request).toEqual(cr);
      const ok = await requests.apply(cr.id, approve(bob), hours(1));
      expect(ok.result.ok).toBe(true);
      expect(ok.request).toMatchObject({ state: 'approved', version: cr.version + 1 });
      expect(await requests.get(cr.id)).toEqual(ok.request);
      await expect(requests.apply('cr-none', approve(bob), hours(1))).rejects.toMatchObject({
        code: 'change-not-found',
      });
    });

    it('runs the guard against the fresh state and refuses with its code', async () => {
      const { requests } = make();
      const cr = newRequest();
      await requests.create(cr);
      const refused = await requests.apply(cr.id, approve(bob), hours(1), {
        guard: () => ({ allowed: false, code: 'not-approver', reason: 'bob is not an approver' }),
      });
      expect(refused.result).toEqual({ ok: false, code: 'not-approver', message: 'bob is not an approver' });
      expect((await requests.get(cr.id))?.state).toBe('requested');
    });

    it('accepts exactly one of several concurrent approvals of a one-approval request', async () => {
      const { requests } = make();
      const cr = newRequest();
      await requests.create(cr);
      const results = await Promise.all(
        [bob, carol, { userId: 'UDAVE', name: 'dave' }].map((by) =>
          requests.apply(cr.id, approve(by), hours(1)),
        ),
      );
      expect(results.filter((r) => r.result.ok)).toHaveLength(1);
      expect((await requests.get(cr.id))?.approvals).toHaveLength(1);
    });

    it('indexes by state, expiry, requester and target', async () => {
      const { requests } = make();
      const early = newRequest({ ttlHours: 1 });
      const late = newRequest({ ttlHours: 48, requestedBy: bob });
      await requests.create(late);
      await requests.create(early);
      expect((await requests.dueForExpiry(hours(2))).map((c) => c.id)).toContain(early.id);
      expect((await requests.dueForExpiry(hours(2))).map((c) => c.id)).not.toContain(late.id);
      const pending = (await requests.inState('requested')).map((c) => c.id);
      expect(pending.indexOf(early.id)).toBeLessThan(pending.indexOf(late.id));
      expect((await requests.pendingApprovals(50, { now: hours(2) })).map((c) => c.id)).not.toContain(
        early.id,
      );
      expect((await requests.pendingApprovals(50, { forUser: bob.userId })).map((c) => c.id)).not.toContain(
        late.id,
      );
      expect((await requests.byRequester(bob.userId)).map((c) => c.id)).toEqual([late.id]);
      expect(await requests.countsByState()).toMatchObject({ requested: 2, applied: 0 });
      const t = late.target as { instanceId: string };
      expect((await requests.forTarget(ACCOUNT, REGION, t.instanceId)).map((c) => c.id)).toEqual([late.id]);
    });

    it('knows the last applied enforcement of a resource, also one instance of a bulk, until it is undone', async () => {
      const { requests } = make();
      const one = newRequest({ target: instanceTarget('i-la') });
      expect((await applied(requests, one, hours(1))).request.state).toBe('applied');
      const ref = { accountId: ACCOUNT, region: REGION, resource: 'i-la' };
      expect((await requests.lastApplied(ref))?.id).toBe(one.id);
      const bulk = newRequest({ kind: 'bulk-enforce', target: bulkTarget('i-la', 'i-lb') });
      await applied(requests, bulk, hours(2));
      expect((await requests.lastApplied(ref))?.id).toBe(bulk.id);
      await requests.unapplied(bulk.id, ref);
      expect((await requests.lastApplied(ref))?.id).toBe(one.id);
      expect((await requests.lastApplied({ ...ref, resource: 'i-lb' }))?.id).toBe(bulk.id);
      const by = { userId: bob.userId, name: bob.name };
      await requests.apply(
        one.id,
        { type: 'rolled-back', by, reason: 'r', rollbackRequestId: 'cr-rb' },
        hours(3),
      );
      expect(await requests.lastApplied(ref)).toBeNull();
    });

    it('chains audit entries; an idempotency key appends once', async () => {
      const { audit } = make();
      const first = await audit.append(body('one'), { idempotencyKey: 'k1' });
      const again = await audit.append(body('one, retried'), { idempotencyKey: 'k1' });
      const second = await audit.append(body('two'));
      expect(first.created).toBe(true);
      expect(again).toMatchObject({ created: false, id: first.id, entry: first.entry });
      expect(second.entry.prevHash).toBe(first.entry.hash);
      expect((await audit.head())?.seq).toBe(first.entry.seq + 1);
      expect(verifyChain(await audit.entries()).ok).toBe(true);
    });

    it('keeps the first before-state of a change and a template row', async () => {
      const { memo } = make();
      expect(await memo.before('cr-m')).toBeNull();
      await memo.keepBefore('cr-m', { httpTokens: 'optional', hopLimit: 1 });
      await memo.keepBefore('cr-m', { httpTokens: 'required', hopLimit: 2 });
      expect(await memo.before('cr-m')).toEqual({ httpTokens: 'optional', hopLimit: 1 });
      expect(await memo.templateRow('cr-m')).toBeNull();
      await memo.keepTemplateRow('cr-m', row);
      expect(await memo.templateRow('cr-m')).toEqual(row);
    });

    it('keeps the next poll of each followed refresh until its watch ends', async () => {
      const { memo } = make();
      expect(await memo.watches()).toEqual(new Map());
      await memo.keepWatch('cr-a', { poll: 1, lastStatus: null });
      await memo.keepWatch('cr-b', { poll: 3, lastStatus: 'InProgress' });
      await memo.keepWatch('cr-a', { poll: 2, lastStatus: 'Pending' });
      await memo.endWatch('cr-b');
      expect(await memo.watches()).toEqual(new Map([['cr-a', { poll: 2, lastStatus: 'Pending' }]]));
    });

    it("counts a bulk's items so that each count is seen by exactly one item", async () => {
      const { tally } = make();
      const outcomes = ['done', 'failed', 'skipped', 'done', 'done'] as const;
      const seen = await Promise.all(outcomes.map((o, i) => tally.count('cr-t', `i-${i}`, o)));
      expect(seen.map((c) => c.finished).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(await tally.counts('cr-t')).toEqual({ done: 3, failed: 1, skipped: 1, finished: 5 });
      expect(await tally.counts('cr-none')).toEqual({ done: 0, failed: 0, skipped: 0, finished: 0 });
      await tally.skip('cr-t', 'i-1', 'turned in-use');
      await tally.skip('cr-t', 'i-2', 'turned in-use too');
      expect((await tally.skipped('cr-t')).sort()).toEqual(['turned in-use', 'turned in-use too']);
    });

    it('counts an instance once when its job runs again (a crash or a failover lost its completion)', async () => {
      const { tally } = make();
      const first = await tally.count('cr-again', 'i-1', 'done');
      const again = await tally.count('cr-again', 'i-1', 'done');
      expect([first.counted, again.counted]).toEqual([true, false]);
      expect(await tally.counts('cr-again')).toEqual({ done: 1, failed: 0, skipped: 0, finished: 1 });
    });
  });
}

const { redis, freshPrefix } = testRedis();
contract('Redis', () => {
  const prefix = freshPrefix();
  const audit = createAuditStore({ redis, prefix });
  const entries = async () => {
    const out: unknown[] = [];
    for await (const line of audit.export({ format: 'jsonl' })) out.push(JSON.parse(line));
    return out;
  };
  return {
    requests: createChangeRequestStore({ redis, prefix }),
    audit: { append: audit.append, head: audit.head, entries },
    memo: createChangeMemo({ redis, prefix }),
    tally: createBulkTally({ redis, prefix }),
  };
});
contract('in memory', () => {
  const audit = memoryAudit();
  return {
    requests: memoryChangeRequests(),
    audit: { ...audit, entries: async () => audit.entries() },
    memo: memoryMemo(),
    tally: memoryTally(),
  };
});
