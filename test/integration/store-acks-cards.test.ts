import { describe, expect, it } from 'vitest';
import { createAckStore } from '../../src/adapters/redis/acks.js';
import { createCardStore } from '../../src/adapters/redis/cards.js';
import { testRedis } from '../support/redis-prefix.js';

const T0 = new Date('2025-03-01T10:00:00.000Z');
const bob = { userId: 'UBOB', name: 'bob' };
const i1 = '123456789012:eu-west-1:i-1';
const i2 = '123456789012:eu-west-1:i-2';
const i3 = '123456789012:eu-west-1:i-3';

describe('ack and card stores', () => {
  const { redis, freshPrefix } = testRedis();
  const fresh = () => {
    const prefix = freshPrefix();
    return { acks: createAckStore({ redis, prefix }), cards: createCardStore({ redis, prefix }), prefix };
  };

  it('keeps the latest acknowledgement per instance', async () => {
    const { acks } = fresh();
    await acks.acknowledge({ instanceKey: i1, by: bob, at: T0.toISOString(), note: 'looking' });
    const later = {
      instanceKey: i1,
      by: bob,
      at: '2025-03-02T10:00:00.000Z',
      note: 'vendor agent, ticket 42',
    };
    await acks.acknowledge(later);
    await acks.acknowledge({ instanceKey: i2, by: bob, at: T0.toISOString(), note: null });

    const got = await acks.get([i1, i2, i3]);

    expect(Object.fromEntries(got)).toEqual({ [i1]: later, [i2]: expect.objectContaining({ note: null }) });
    expect(await acks.clear(i2)).toBe(true);
    expect([...(await acks.get([i2])).keys()]).toEqual([]);
    expect(await acks.get([])).toEqual(new Map());
  });

  it('refuses an acknowledgement that does not parse', async () => {
    const { acks } = fresh();
    await expect(
      acks.acknowledge({ instanceKey: '', by: bob, at: 'yesterday', note: null }),
    ).rejects.toThrow();
  });

  it('finds every card that shows an instance or a request', async () => {
    const { cards } = fresh();
    const digest = await cards.save(
      'digest:UBOB',
      {
        channel: 'D1',
        ts: '1.1',
        kind: 'digest',
        ownerKey: 'UBOB',
        instanceKeys: [i1, i2],
      },
      T0,
    );
    const request = await cards.save(
      'request:cr-1',
      {
        channel: 'C2',
        ts: '2.2',
        kind: 'request',
        requestId: 'cr-1',
        instanceKeys: [i1],
      },
      T0,
    );

    expect(await cards.get('digest:UBOB')).toEqual(digest);
    expect(await cards.cardsFor(i1)).toEqual([digest, request]);
    expect(await cards.cardsFor(i2)).toEqual([digest]);
    expect(await cards.cardsForRequest('cr-1')).toEqual([request]);
    expect(await cards.cardsFor(i3)).toEqual([]);
  });

  it('forgets cards re-saved without an instance, removed or expired', async () => {
    const { cards, prefix } = fresh();
    await cards.save('digest:UBOB', { channel: 'D1', ts: '1.1', kind: 'digest', instanceKeys: [i1, i2] }, T0);
    await cards.save('digest:UCAROL', { channel: 'D2', ts: '1.2', kind: 'digest', instanceKeys: [i1] }, T0);

    await cards.save('digest:UBOB', { channel: 'D1', ts: '1.1', kind: 'digest', instanceKeys: [i2] }, T0);
    await cards.remove('digest:UCAROL');

    expect(await cards.cardsFor(i1)).toEqual([]);
    expect((await cards.cardsFor(i2)).map((c) => c.cardKey)).toEqual(['digest:UBOB']);
    expect(await redis.smembers(`${prefix}:cards-of:instance:${i1}`)).toEqual(['digest:UBOB']);
    expect(await redis.ttl(`${prefix}:card:digest:UBOB`)).toBeGreaterThan(89 * 86_400);
  });
});
