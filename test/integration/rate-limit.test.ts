import { describe, expect, it } from 'vitest';
import {
  budgetFor,
  createRateLimiter,
  DEFAULT_BUDGETS,
  rateKey,
  type TakeResult,
} from '../../src/adapters/redis/rate-limit.js';
import { testRedis } from '../support/redis-prefix.js';

const { redis: first, connect, freshPrefix } = testRedis();
const second = connect();
const prefix = freshPrefix();
const limiter = createRateLimiter({ redis: first, prefix });
const T0 = Date.parse('2025-06-15T12:00:00Z');

let n = 0;
/** A fresh bucket for each test. */
const freshKey = () => `ModifyInstanceMetadataOptions:123456789012:test-${++n}`;

const oks = (results: TakeResult[]) => results.filter((r) => r.ok).length;
const retries = (results: TakeResult[]) => results.flatMap((r) => (r.ok ? [] : [r.retryInMs]));

describe('createRateLimiter', () => {
  it('lets exactly the burst through out of 200 concurrent takes, and says when the next token comes', async () => {
    const key = freshKey();
    const budget = { burst: 10, refillPerSecond: 4 };

    const results = await Promise.all(Array.from({ length: 200 }, () => limiter.take(key, budget, T0)));

    expect(oks(results)).toBe(10);
    expect(new Set(retries(results))).toEqual(new Set([250]));
    expect(await limiter.take(key, budget, T0 + 250)).toEqual({ ok: true });
  });

  it("uses Redis's clock when no time is given", async () => {
    const key = freshKey();
    const budget = { burst: 10, refillPerSecond: 0.01 };

    const results = await Promise.all(Array.from({ length: 200 }, () => limiter.take(key, budget)));

    expect(oks(results)).toBe(10);
    expect(Math.max(...retries(results))).toBeLessThanOrEqual(100_000);
    expect(Math.min(...retries(results))).toBeGreaterThan(99_000);
  });

  it('shares one bucket between limiters on different Redis connections', async () => {
    const key = freshKey();
    const budget = { burst: 5, refillPerSecond: 1 };
    const other = createRateLimiter({ redis: second, prefix });

    const a = await Promise.all([1, 2, 3].map(() => limiter.take(key, budget, T0)));
    const b = await Promise.all([1, 2, 3].map(() => other.take(key, budget, T0)));

    expect([oks(a), oks(b)]).toEqual([3, 2]);
    expect(await limiter.take(key, budget, T0)).toEqual({ ok: false, retryInMs: 1000 });
  });

  it('refills at the given rate up to the burst, and never from a clock that goes back', async () => {
    const key = freshKey();
    const budget = { burst: 4, refillPerSecond: 2 };
    await Promise.all([1, 2, 3, 4].map(() => limiter.take(key, budget, T0)));

    const early = await limiter.take(key, budget, T0 + 499);
    const onTime = await limiter.take(key, budget, T0 + 500);
    const backwards = await limiter.take(key, budget, T0 - 60_000);
    const later = await Promise.all([1, 2, 3, 4, 5].map(() => limiter.take(key, budget, T0 + 60_000)));

    expect(early).toEqual({ ok: false, retryInMs: 1 });
    expect(onTime).toEqual({ ok: true });
    expect(backwards).toEqual({ ok: false, retryInMs: 500 });
    expect(oks(later)).toBe(4);
  });

  it('keeps each key apart and lets an idle bucket expire once it would be full again', async () => {
    const budget = DEFAULT_BUDGETS.ModifyInstanceMetadataDefaults;
    const ireland = rateKey('ModifyInstanceMetadataDefaults', {
      accountId: '123456789012',
      region: 'eu-west-1',
    });
    const virginia = rateKey('ModifyInstanceMetadataDefaults', {
      accountId: '123456789012',
      region: 'us-east-1',
    });

    const a = await Promise.all([1, 2, 3].map(() => limiter.take(ireland, budget, T0)));
    const b = await Promise.all([1, 2, 3].map(() => limiter.take(virginia, budget, T0)));
    const ttl = await first.pttl(`${prefix}:rate:${ireland}`);

    expect(ireland).toBe('ModifyInstanceMetadataDefaults:123456789012:eu-west-1');
    expect([oks(a), oks(b)]).toEqual([2, 2]);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3000);
  });

  it('stays under the EC2 buckets with its default budgets', () => {
    expect(DEFAULT_BUDGETS).toEqual({
      ModifyInstanceMetadataOptions: { burst: 80, refillPerSecond: 4 },
      DescribeInstances: { burst: 50, refillPerSecond: 10 },
      ModifyInstanceMetadataDefaults: { burst: 2, refillPerSecond: 1 },
      CreateLaunchTemplateVersion: { burst: 20, refillPerSecond: 2 },
      ModifyLaunchTemplate: { burst: 20, refillPerSecond: 2 },
    });
  });

  it.each([
    ['ModifyLaunchTemplate', { burst: 20, refillPerSecond: 2 }],
    ['DescribeLaunchTemplateVersions', null],
    ['toString', null],
  ])('budgetFor(%s) is %o', (action, budget) => {
    expect(budgetFor(action)).toEqual(budget);
  });

  it('acquire waits as long as take says, then has the token', async () => {
    const key = freshKey();
    const budget = { burst: 1, refillPerSecond: 4 };
    let now = T0;
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      now += ms;
    };

    const first = await limiter.acquire(key, budget, { sleep, now: () => now });
    const second = await limiter.acquire(key, budget, { sleep, now: () => now });

    expect([first, second, slept]).toEqual([0, 250, [250]]);
    expect(await limiter.take(key, budget, now)).toEqual({ ok: false, retryInMs: 250 });
  });

  it.each([
    [{ burst: 0, refillPerSecond: 1 }, /burst/],
    [{ burst: 5, refillPerSecond: 0 }, /refillPerSecond/],
    [{ burst: Number.NaN, refillPerSecond: 1 }, /burst/],
  ])('refuses the budget %o', async (budget, message) => {
    await expect(limiter.take(freshKey(), budget, T0)).rejects.toThrow(message);
  });
});
