import { describe, expect, it } from 'vitest';
import { createSnoozeStore, type SnoozeStore } from '../../src/adapters/redis/snoozes.js';
import { testRedis } from '../support/redis-prefix.js';

const T0 = new Date('2025-03-01T10:00:00.000Z');
const days = (d: number) => new Date(T0.getTime() + d * 86_400_000);
const at = { accountId: '123456789012', region: 'eu-west-1' };
const bob = { userId: 'UBOB', name: 'bob' };
const input = (instanceId: string, untilDays: number) => ({
  ...at,
  instanceId,
  until: days(untilDays),
  reason: 'migrating the app next sprint',
  by: bob,
});
const key = (instanceId: string) => `${at.accountId}:${at.region}:${instanceId}`;

describe('snooze store', () => {
  const { redis, freshPrefix } = testRedis();
  const fresh = (): SnoozeStore => createSnoozeStore({ redis, prefix: freshPrefix() });

  it('snoozes, reads back and unsnoozes an instance', async () => {
    const store = fresh();
    const snooze = await store.snooze(input('i-1', 7), T0);

    expect(snooze).toEqual({
      key: key('i-1'),
      ...at,
      instanceId: 'i-1',
      until: days(7).toISOString(),
      reason: 'migrating the app next sprint',
      by: bob,
      at: T0.toISOString(),
    });
    expect(await store.get(key('i-1'))).toEqual(snooze);
    expect(await store.unsnooze({ ...at, instanceId: 'i-1' })).toEqual(snooze);
    expect(await store.get(key('i-1'))).toBeNull();
    expect(await store.unsnooze({ ...at, instanceId: 'i-1' })).toBeNull();
    expect(await store.dueForWakeUp(days(30))).toEqual([]);
  });

  it('reports only the snoozes still running as active', async () => {
    const store = fresh();
    await store.snooze(input('i-1', 1), T0);
    await store.snooze(input('i-2', 7), T0);

    const active = await store.active([key('i-1'), key('i-2'), key('i-3')], days(3));

    expect([...active.keys()]).toEqual([key('i-2')]);
  });

  it('wakes ended snoozes oldest first, each once, and leaves a renewed one alone', async () => {
    const store = fresh();
    await store.snooze(input('i-1', 3), T0);
    await store.snooze(input('i-2', 1), T0);
    await store.snooze(input('i-3', 9), T0);

    const due = await store.dueForWakeUp(days(5));
    expect(due.map((s) => s.instanceId)).toEqual(['i-2', 'i-1']);

    const claims = await Promise.all([
      store.markWoken(key('i-2'), due[0]?.until),
      store.markWoken(key('i-2'), due[0]?.until),
    ]);
    expect(claims.sort()).toEqual([false, true]);

    await store.snooze(input('i-1', 14), days(5)); // renewed between the sweep's read and its claim
    expect(await store.markWoken(key('i-1'), due[1]?.until)).toBe(false);
    expect((await store.dueForWakeUp(days(5))).map((s) => s.instanceId)).toEqual([]);
    expect((await store.dueForWakeUp(days(20))).map((s) => s.instanceId)).toEqual(['i-3', 'i-1']);
  });

  it('drops a wake-up whose snooze record has gone', async () => {
    const prefix = freshPrefix();
    const store = createSnoozeStore({ redis, prefix });
    await store.snooze(input('i-1', 1), T0);
    await redis.del(`${prefix}:snooze:${key('i-1')}`); // as its retention would

    expect(await store.dueForWakeUp(days(2))).toEqual([]);
    expect(await redis.zcard(`${prefix}:snoozes:wake`)).toBe(0);
  });
});
