import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Scope } from '../../domain/findings/model.js';
import type { RedisClient } from './connection.js';
import { redisKeys } from './keys.js';

/**
 * A token bucket in Redis, shared by every worker process: one hash per key (tokens, last refill
 * time), read, refilled, taken from and written back by ONE Lua script, so concurrent takers
 * never both spend the last token. Time is Redis's own (TIME) unless the caller passes `now`,
 * so workers on hosts with skewed clocks still agree.
 */

export interface Budget {
  burst: number;
  refillPerSecond: number;
}

export type TakeResult = { ok: true } | { ok: false; retryInMs: number };

/**
 * Our budget per account x region, per action. EC2 meters each action in its own bucket per
 * account x region (ModifyInstanceMetadataOptions 100 burst / 5 per s, ModifyInstanceMetadataDefaults
 * 2 / 2 per s, DescribeInstances 100 / 20 per s); we stay below it (ModifyInstanceMetadataOptions
 * 80 / 4: 80 %) so the console, IaC pipelines and other tools in the same account keep headroom and
 * are never throttled because of us. DescribeInstances gets half: the scan and every other
 * inventory tool draw from the same EC2 bucket, and each enforcement reads its instance twice
 * (before, and once more when applied).
 */
export const DEFAULT_BUDGETS = {
  ModifyInstanceMetadataOptions: { burst: 80, refillPerSecond: 4 },
  DescribeInstances: { burst: 50, refillPerSecond: 10 },
  ModifyInstanceMetadataDefaults: { burst: 2, refillPerSecond: 1 },
  CreateLaunchTemplateVersion: { burst: 20, refillPerSecond: 2 },
  ModifyLaunchTemplate: { burst: 20, refillPerSecond: 2 },
} as const satisfies Record<string, Budget>;
export type BudgetedAction = keyof typeof DEFAULT_BUDGETS;

/** The default budget of an action, or null when we do not meter it. */
export const budgetFor = (action: string): Budget | null =>
  Object.hasOwn(DEFAULT_BUDGETS, action) ? DEFAULT_BUDGETS[action as BudgetedAction] : null;

/** `ModifyInstanceMetadataOptions:123456789012:eu-west-1` */
export const rateKey = (action: string, scope: Scope): string =>
  `${action}:${scope.accountId}:${scope.region}`;

// KEYS[1] the bucket; ARGV burst, refill per second, now in ms ('' = Redis TIME), ttl in ms.
// Tokens are kept in thousandths, so that N tokens a second is N a millisecond (exact for whole rates).
// Returns {1, 0} when a token was taken, {0, ms until one is there} when not.
const TAKE = `
local burst = tonumber(ARGV[1]) * 1000
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local state = redis.call('HMGET', KEYS[1], 'millitokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local ok = 0
local retry = 0
if tokens >= 1000 then
  tokens = tokens - 1000
  ok = 1
else
  retry = math.ceil((1000 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'millitokens', tostring(tokens), 'at', tostring(math.max(now, at)))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {ok, retry}
`;
const TAKE_SHA = createHash('sha1').update(TAKE).digest('hex');

const Reply = z.tuple([z.union([z.literal(0), z.literal(1)]), z.number().int().nonnegative()]);

function checkBudget(b: Budget): void {
  if (!Number.isFinite(b.burst) || b.burst < 1) throw new RangeError(`burst must be >= 1, got ${b.burst}`);
  if (!Number.isFinite(b.refillPerSecond) || b.refillPerSecond <= 0)
    throw new RangeError(`refillPerSecond must be > 0, got ${b.refillPerSecond}`);
}

export interface AcquireOptions {
  sleep?: (ms: number) => Promise<void>;
  /** epoch ms, passed to take(); give it with `sleep` when time is simulated */
  now?: () => number;
}

export function createRateLimiter({ redis, prefix }: { redis: RedisClient; prefix: string }) {
  const rk = redisKeys(prefix);
  async function run(key: string, args: string[]): Promise<unknown> {
    try {
      return await redis.evalsha(TAKE_SHA, 1, key, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(TAKE, 1, key, ...args);
    }
  }

  return {
    /**
     * Takes one token from the bucket `key` (see rateKey), or says how long until one is there.
     * `now` (epoch ms) replaces Redis's clock, for tests and simulations: give it on every call
     * to a key or on none. An idle bucket expires once it would be full again anyway.
     */
    async take(key: string, budget: Budget, now?: number): Promise<TakeResult> {
      checkBudget(budget);
      const ttlMs = Math.ceil((budget.burst * 1000) / budget.refillPerSecond) + 1000;
      const args = [budget.burst, budget.refillPerSecond, now ?? '', ttlMs].map(String);
      const [ok, retryInMs] = Reply.parse(await run(rk.rateBucket(key), args));
      return ok === 1 ? { ok: true } : { ok: false, retryInMs: Math.max(1, retryInMs) };
    },

    /**
     * Takes a token, sleeping as long as the bucket says until there is one; resolves with the
     * ms waited. For callers that may hold their slot while they wait (a job between two calls);
     * a job that has not started yet should rather hand `retryInMs` from take() to its queue.
     */
    async acquire(key: string, budget: Budget, opts: AcquireOptions = {}): Promise<number> {
      const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
      let waited = 0;
      for (;;) {
        const taken = await this.take(key, budget, opts.now?.());
        if (taken.ok) return waited;
        await sleep(taken.retryInMs);
        waited += taken.retryInMs;
      }
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
