import { describe, expect, it } from 'vitest';
import { createChangeRequestStore } from '../../src/adapters/redis/change-requests.js';
import type { ChangeEvent, ChangeRequest } from '../../src/domain/change/request-schema.js';
import type { ChangeRequestStore } from '../../src/domain/ports/change-requests.js';
import { ACCOUNT, alice, hours, instanceTarget, newRequest, REGION, T0 } from '../support/change-requests.js';
import { testRedis } from '../support/redis-prefix.js';

const bob = { userId: 'UBOB', name: 'bob' };
const carol = { userId: 'UCAROL', name: 'carol' };
const ids = (crs: ChangeRequest[]) => crs.map((cr) => cr.id);

describe('change request store indexes', () => {
  const { redis, freshPrefix } = testRedis();
  let store: ChangeRequestStore;

  /** a fresh prefix per test, so each index starts empty */
  const fresh = () => {
    store = createChangeRequestStore({ redis, prefix: freshPrefix() });
  };

  const run = async (cr: ChangeRequest, events: ChangeEvent[], at: Date) => {
    let last = cr;
    for (const e of events) {
      const { result, request } = await store.apply(cr.id, e, at);
      expect(result.ok).toBe(true);
      last = request;
    }
    return last;
  };
  const toApplied: ChangeEvent[] = [
    { type: 'approve', by: bob },
    { type: 'start-apply', jobId: 'job-1' },
    { type: 'applied', after: { httpTokens: 'required' }, awsRequestId: 'req-1' },
  ];

  it('finds pending requests due for expiry, soonest first, and drops them once expired', async () => {
    fresh();
    const [a, b, c] = [newRequest({ ttlHours: 1 }), newRequest({ ttlHours: 3 }), newRequest({ ttlHours: 2 })];
    for (const cr of [a, b, c]) if (cr) await store.create(cr);
    expect(ids(await store.dueForExpiry(hours(2.5), 10))).toEqual([a?.id, c?.id]);
    expect(ids(await store.dueForExpiry(hours(1), 10))).toEqual([a?.id]); // at expiresAt: due

    const { result } = await store.apply(a?.id ?? '', { type: 'expire' }, hours(2.5));

    expect(result.ok).toBe(true);
    expect(ids(await store.dueForExpiry(hours(2.5), 10))).toEqual([c?.id]);
    expect(ids(await store.inState('expired'))).toEqual([a?.id]);
    expect(ids(await store.inState('requested'))).toEqual([c?.id, b?.id]);
  });

  it('moves a request through the state indexes as its version grows', async () => {
    fresh();
    const cr = newRequest();
    await store.create(cr);
    const seen: [string, number, string[]][] = [];
    for (const e of toApplied) {
      const { request } = await store.apply(cr.id, e, hours(1));
      seen.push([request.state, request.version, ids(await store.inState(request.state))]);
    }
    expect(seen).toEqual([
      ['approved', 1, [cr.id]],
      ['applying', 2, [cr.id]],
      ['applied', 3, [cr.id]],
    ]);
    for (const state of ['requested', 'approved', 'applying'] as const) {
      expect(await store.inState(state)).toEqual([]);
    }
  });

  it('lists the requests on a target newest first, bulks that contain it included', async () => {
    fresh();
    const older = newRequest({ target: instanceTarget('i-target') }, hours(1));
    const bulk = newRequest(
      {
        kind: 'bulk-enforce',
        target: {
          type: 'bulk',
          accountId: ACCOUNT,
          region: null,
          owner: null,
          instanceIds: ['i-other', 'i-target'],
        },
      },
      hours(2),
    );
    const newer = newRequest({ target: instanceTarget('i-target') }, hours(3));
    const elsewhere = newRequest(
      { target: { ...instanceTarget('i-target'), region: 'us-east-1' } },
      hours(4),
    );
    // one open request per target at a time: each is decided before the next is filed
    for (const cr of [older, bulk, newer, elsewhere]) {
      expect(await store.create(cr)).toEqual({ ok: true });
      await store.apply(cr.id, { type: 'deny', by: bob, reason: 'next' }, hours(5));
    }

    expect(ids(await store.forTarget(ACCOUNT, REGION, 'i-target'))).toEqual([newer.id, bulk.id, older.id]);
    expect(ids(await store.forTarget(ACCOUNT, REGION, 'i-target', 2))).toEqual([newer.id, bulk.id]);
    expect(ids(await store.forTarget(ACCOUNT, REGION, 'i-nothing'))).toEqual([]);
  });

  it('lists by requester, newest first, and pending approvals for an approver', async () => {
    fresh();
    const byAlice = newRequest({}, hours(1));
    const byBob = newRequest({ requestedBy: bob, ttlHours: 2 }, hours(1));
    const approvedByCarol = newRequest({ requiredApprovals: 2, ttlHours: 3 }, hours(2));
    const expiredAlready = newRequest({ ttlHours: 1 }, T0);
    for (const cr of [byAlice, byBob, approvedByCarol, expiredAlready]) await store.create(cr);
    await store.apply(approvedByCarol.id, { type: 'approve', by: carol }, hours(2));

    expect(ids(await store.byRequester(alice.userId))).toEqual([
      approvedByCarol.id,
      byAlice.id,
      expiredAlready.id,
    ]);
    expect(ids(await store.pendingApprovals(10, { now: hours(2) }))).toEqual([
      byBob.id,
      approvedByCarol.id,
      byAlice.id,
    ]);
    expect(ids(await store.pendingApprovals(10, { now: hours(2), forUser: carol.userId }))).toEqual([
      byBob.id,
      byAlice.id,
    ]);
    expect(ids(await store.pendingApprovals(1, { forUser: bob.userId }))).toEqual([expiredAlready.id]);
  });

  it('keeps the latest applied enforcement per target until it is rolled back', async () => {
    fresh();
    const first = newRequest({ target: instanceTarget('i-app') });
    const bulk = newRequest({
      kind: 'bulk-enforce',
      target: {
        type: 'bulk',
        accountId: ACCOUNT,
        region: REGION,
        owner: null,
        instanceIds: ['i-app', 'i-b'],
      },
    });
    const ref = { accountId: ACCOUNT, region: REGION, resource: 'i-app' };
    await store.create(first);
    expect(await store.lastApplied(ref)).toBeNull();

    await run(first, toApplied, hours(1));
    expect((await store.lastApplied(ref))?.id).toBe(first.id);
    await store.create(bulk);
    await run(bulk, toApplied, hours(2));
    expect((await store.lastApplied(ref))?.id).toBe(bulk.id);
    expect((await store.lastApplied({ ...ref, resource: 'i-b' }))?.id).toBe(bulk.id);

    const undo: ChangeEvent = {
      type: 'rolled-back',
      by: bob,
      reason: 'app broke',
      rollbackRequestId: 'cr-rb',
    };
    await run(bulk, [undo], hours(3));

    expect((await store.lastApplied(ref))?.id).toBe(first.id);
    expect(await store.lastApplied({ ...ref, resource: 'i-b' })).toBeNull();
  });

  it('does not count an applied rollback as an enforcement to undo', async () => {
    fresh();
    const rollback = newRequest({ kind: 'rollback', rollbackOf: 'cr-x', target: instanceTarget('i-rb') });
    await store.create(rollback);
    await run(rollback, toApplied, hours(1));
    expect(await store.lastApplied({ accountId: ACCOUNT, region: REGION, resource: 'i-rb' })).toBeNull();
  });
});
