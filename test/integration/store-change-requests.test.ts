import { describe, expect, it } from 'vitest';
import { createChangeRequestStore } from '../../src/adapters/redis/change-requests.js';
import { canApprove } from '../../src/domain/change/approval-policy.js';
import { Approvals } from '../../src/domain/change/approval-schema.js';
import type { ChangeEvent } from '../../src/domain/change/request-schema.js';
import { hours, newRequest } from '../support/change-requests.js';
import { testRedis } from '../support/redis-prefix.js';

const user = (i: number) => ({ userId: `UAPPROVER${i}`, name: `approver ${i}` });
const approve = (i: number): ChangeEvent => ({ type: 'approve', by: user(i) });

describe('change request store', () => {
  const { redis, connect, freshPrefix } = testRedis();
  const prefix = freshPrefix();
  const store = createChangeRequestStore({ redis, prefix });
  /** several connections, as several bot processes would have */
  const stores = [
    store,
    ...Array.from({ length: 3 }, () => createChangeRequestStore({ redis: connect(), prefix })),
  ];

  const pick = (i: number) => stores[i % stores.length] ?? store;

  it('creates a request once and reads it back', async () => {
    const cr = newRequest();
    expect(await store.create(cr)).toEqual({ ok: true });
    expect(await store.create({ ...cr, reason: 'again' })).toEqual({ ok: false, code: 'id-taken' });
    expect(await store.get(cr.id)).toEqual(cr);
    expect(await store.get('cr-none')).toBeNull();
  });

  it('accepts exactly one of 20 concurrent approvals from different users', async () => {
    const cr = newRequest();
    await store.create(cr);

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pick(i).apply(cr.id, approve(i), hours(1))),
    );

    const accepted = results.filter((r) => r.result.ok);
    expect(accepted).toHaveLength(1);
    expect(results.filter((r) => !r.result.ok).map((r) => !r.result.ok && r.result.code)).toEqual(
      Array(19).fill('already-approved'),
    );
    const stored = await store.get(cr.id);
    expect(stored?.state).toBe('approved');
    expect(stored?.version).toBe(1);
    expect(stored?.approvals).toHaveLength(1);
  });

  it('collects a quorum of 3 from 20 concurrent approvers, one approval each', async () => {
    const cr = newRequest({ requiredApprovals: 3 });
    await store.create(cr);

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pick(i).apply(cr.id, approve(i), hours(1))),
    );

    expect(results.filter((r) => r.result.ok)).toHaveLength(3);
    const stored = await store.get(cr.id);
    expect(stored?.state).toBe('approved');
    expect(stored?.version).toBe(3);
    expect(new Set(stored?.approvals.map((a) => a.userId)).size).toBe(3);
  });

  it('gives the policy refusal against the fresh state when a guard is passed', async () => {
    const cr = newRequest();
    await store.create(cr);
    const policy = Approvals.parse({
      approvers: { users: [user(1).userId, user(2).userId] },
      requireTwoApproversForProd: false,
    });
    const facts = {
      instanceId: 'i-x',
      readiness: 'ready' as const,
      isProd: false,
      ownerUserId: null,
      asg: null,
      templateRisk: null,
      containerHost: null,
      botHost: null,
    };
    const click = (i: number) =>
      pick(i).apply(cr.id, approve(i), hours(1), {
        guard: (fresh) => canApprove({ userId: user(i).userId, groups: [] }, fresh, facts, policy),
      });

    const [a, b] = await Promise.all([click(1), click(2)]);

    expect([a.result.ok, b.result.ok].sort()).toEqual([false, true]);
    const refused = [a, b].find((r) => !r.result.ok)?.result;
    expect(refused && !refused.ok && refused.code).toBe('not-pending');
  });

  it('lets exactly one of an approval and an expiry racing at the deadline win', async () => {
    for (let round = 0; round < 10; round += 1) {
      const cr = newRequest({ ttlHours: 1 });
      await store.create(cr);
      const now = hours(1); // approve refuses at or after expiresAt, expire refuses before it: both race
      const late = new Date(now.getTime() - 1);

      const [approval, expiry] = await Promise.all([
        pick(round).apply(cr.id, approve(1), late),
        pick(round + 1).apply(cr.id, { type: 'expire' }, now),
      ]);

      expect([approval.result.ok, expiry.result.ok].filter(Boolean)).toHaveLength(1);
      const stored = await store.get(cr.id);
      expect(stored?.version).toBe(1);
      expect(['approved', 'expired']).toContain(stored?.state);
      const loser = approval.result.ok ? expiry.result : approval.result;
      expect(!loser.ok && loser.code).toBe(stored?.state === 'approved' ? 'already-approved' : 'expired');
    }
  });

  it('records a double click by the same approver once', async () => {
    const cr = newRequest({ requiredApprovals: 2 });
    await store.create(cr);

    const [a, b] = await Promise.all([
      pick(0).apply(cr.id, approve(7), hours(1)),
      pick(1).apply(cr.id, approve(7), hours(1)),
    ]);

    expect([a.result.ok, b.result.ok].sort()).toEqual([false, true]);
    const refused = a.result.ok ? b.result : a.result;
    expect(!refused.ok && refused.code).toBe('duplicate-approval');
    const stored = await store.get(cr.id);
    expect(stored?.approvals.map((x) => x.userId)).toEqual([user(7).userId]);
    expect(stored?.version).toBe(1);
  });

  it('throws change-not-found for an unknown id', async () => {
    await expect(store.apply('cr-missing', approve(1), hours(1))).rejects.toMatchObject({
      code: 'change-not-found',
    });
  });
});
