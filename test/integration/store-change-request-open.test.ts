import { describe, expect, it } from 'vitest';
import { createChangeRequestStore } from '../../src/adapters/redis/change-requests.js';
import type { ChangeRequest } from '../../src/domain/change/request-schema.js';
import { ACCOUNT, hours, instanceTarget, newRequest, REGION } from '../support/change-requests.js';
import { testRedis } from '../support/redis-prefix.js';

const bob = { userId: 'UBOB', name: 'bob' };
const bulkOf = (...instanceIds: string[]) =>
  ({ type: 'bulk', accountId: ACCOUNT, region: null, owner: null, instanceIds }) as const;

describe('change request store: one open request per target, whatever its kind', () => {
  const { redis, connect, freshPrefix } = testRedis();
  const prefix = freshPrefix();
  const stores = [
    createChangeRequestStore({ redis, prefix }),
    ...Array.from({ length: 3 }, () => createChangeRequestStore({ redis: connect(), prefix })),
  ];
  const store = stores[0] ?? createChangeRequestStore({ redis, prefix });

  it('of 20 concurrent requests for one instance exactly one is filed; the others name it', async () => {
    const crs = Array.from({ length: 20 }, () => newRequest({ target: instanceTarget('i-race') }));
    const results = await Promise.all(crs.map((cr, i) => stores[i % stores.length]?.create(cr)));

    const filed = results.flatMap((r, i) => (r?.ok ? [crs[i]?.id] : []));
    expect(filed).toHaveLength(1);
    const refused = results.filter((r) => r && !r.ok);
    expect(refused).toEqual(
      Array.from({ length: 19 }, () => ({ ok: false, code: 'target-open', openId: filed[0] })),
    );
    expect((await store.forTarget(ACCOUNT, REGION, 'i-race')).map((cr) => cr.id)).toEqual(filed);
  });

  it('a bulk holds each of its instances: the same bulk again, or a single enforce of one, is refused', async () => {
    const bulk = newRequest({ kind: 'bulk-enforce', target: bulkOf('i-b1', 'i-b2') });
    expect(await store.create(bulk)).toEqual({ ok: true });

    const again = newRequest({ kind: 'bulk-enforce', target: bulkOf('i-b1', 'i-b2') });
    const single = newRequest({ target: instanceTarget('i-b2') });
    const overlapping = newRequest({ kind: 'bulk-enforce', target: bulkOf('i-b0', 'i-b1') });
    const rollback = newRequest({ kind: 'rollback', rollbackOf: 'cr-x', target: instanceTarget('i-b1') });
    for (const cr of [again, single, overlapping, rollback])
      expect(await store.create(cr)).toEqual({ ok: false, code: 'target-open', openId: bulk.id });
    expect(await store.get(single.id)).toBeNull();
    // nothing of the refused bulk was claimed
    expect((await store.create(newRequest({ target: instanceTarget('i-b0') }))).ok).toBe(true);
  });

  it('a target is free again once its request is decided, and never freed by another request', async () => {
    const first = newRequest({ target: instanceTarget('i-free') });
    await store.create(first);
    await store.apply(first.id, { type: 'deny', by: bob, reason: 'not now' }, hours(1));

    const second = newRequest({ target: instanceTarget('i-free') });
    expect(await store.create(second)).toEqual({ ok: true });
    await store.apply(first.id, { type: 'expire' }, hours(30)); // refused: already denied
    const third: ChangeRequest = newRequest({ target: instanceTarget('i-free') });
    expect(await store.create(third)).toEqual({ ok: false, code: 'target-open', openId: second.id });
  });

  it('keeps id collisions apart from open targets', async () => {
    const cr = newRequest({ target: instanceTarget('i-id') });
    await store.create(cr);
    expect(await store.create({ ...cr, target: instanceTarget('i-other-id') })).toEqual({
      ok: false,
      code: 'id-taken',
    });
  });
});
