import { ErrorCode, type WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, type StartFakeSlackOptions, startFakeSlack } from '../../sandbox/slack/index.js';
import { fakeWebClient } from '../support/fake-slack-clients.js';

const fakes: FakeSlack[] = [];
let clock = 0;

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function start(opts: StartFakeSlackOptions = {}): Promise<{ fake: FakeSlack; web: WebClient }> {
  clock = Date.UTC(2026, 0, 5, 9, 0, 0);
  const fake = await startFakeSlack({
    now: () => clock,
    users: [{ id: 'U001', name: 'alice', email: 'alice@example.com' }],
    channels: [
      { id: 'C100', name: 'one' },
      { id: 'C200', name: 'two' },
    ],
    ...opts,
  });
  fakes.push(fake);
  const web = fakeWebClient(fake, { rejectRateLimitedCalls: true });
  return { fake, web };
}

interface Outcome {
  code: string;
  retryAfter?: number;
  statusCode?: number;
  error?: string;
}

async function outcome(call: Promise<unknown>): Promise<Outcome> {
  const e = (await call.then(
    () => ({ code: 'ok' }),
    (error: unknown) => error,
  )) as { code: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
  const out: Outcome = { code: e.code };
  if (e.retryAfter !== undefined) out.retryAfter = e.retryAfter;
  if (e.statusCode !== undefined) out.statusCode = e.statusCode;
  if (e.data?.error !== undefined) out.error = e.data.error;
  return out;
}

async function repeat(times: number, call: () => Promise<unknown>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < times; i++) outcomes.push(await outcome(call()));
  return outcomes;
}

describe('scripted faults', () => {
  it('surfaces a 429 with Retry-After as WebClient’s rate-limited error', async () => {
    const { fake, web } = await start();
    fake.script.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const result = await outcome(web.chat.postMessage({ channel: 'C100', text: 'x' }));
    expect(result).toEqual({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(fake.calls('chat.postMessage')).toMatchObject([
      { status: 429, error: 'ratelimited', retryAfter: 7 },
    ]);
  });

  it.each([500, 503] as const)('surfaces a scripted %i as an HTTP error', async (status) => {
    const { fake, web } = await start();
    fake.script.failNext('users.info', { status });
    expect(await outcome(web.users.info({ user: 'U001' }))).toEqual({
      code: ErrorCode.HTTPError,
      statusCode: status,
    });
  });

  it('surfaces a scripted ok:false as a platform error, `times` in a row, then recovers', async () => {
    const { fake, web } = await start();
    fake.script.failNext('chat.postMessage', { error: 'channel_not_found', times: 2 });
    const outcomes = await repeat(3, () => web.chat.postMessage({ channel: 'C100', text: 'x' }));
    expect(outcomes).toEqual([
      { code: ErrorCode.PlatformError, error: 'channel_not_found' },
      { code: ErrorCode.PlatformError, error: 'channel_not_found' },
      { code: 'ok' },
    ]);
    expect(fake.script.pending()).toBe(0);
  });

  it("fails any method with '*'", async () => {
    const { fake, web } = await start();
    fake.script.failNext('*', { status: 503 });
    expect(await outcome(web.users.list({}))).toEqual({ code: ErrorCode.HTTPError, statusCode: 503 });
  });
});

describe('rate limits', () => {
  it('refuses the 21st users.list (Tier 2) in a minute and allows it a minute later', async () => {
    const { web } = await start();
    const first = await repeat(21, () => web.users.list({}));
    clock += 60_000;
    const later = await outcome(web.users.list({}));
    expect(first.slice(0, 20).every((o) => o.code === 'ok')).toBe(true);
    expect(first[20]).toEqual({ code: ErrorCode.RateLimitedError, retryAfter: 60 });
    expect(later).toEqual({ code: 'ok' });
  });

  it.each([
    ['users.lookupByEmail', 'tier3', 50],
    ['views.publish', 'tier4', 100],
  ])('limits %s as %s (%i a minute)', async (method, _tier, limit) => {
    const { web } = await start();
    const args =
      method === 'users.lookupByEmail'
        ? { email: 'alice@example.com' }
        : { user_id: 'U001', view: { type: 'home', blocks: [] } };
    const outcomes = await repeat(limit + 1, () => web.apiCall(method, args));
    expect(outcomes.filter((o) => o.code === 'ok')).toHaveLength(limit);
    expect(outcomes.at(-1)?.code).toEqual(ErrorCode.RateLimitedError);
  });

  it('scales the minute with timeScale (10: a 6-second minute, Retry-After scaled)', async () => {
    const { web } = await start({ timeScale: 10 });
    const outcomes = await repeat(21, () => web.users.list({}));
    clock += 6000;
    expect(outcomes[20]).toEqual({ code: ErrorCode.RateLimitedError, retryAfter: 6 });
    expect(await outcome(web.users.list({}))).toEqual({ code: 'ok' });
  });

  it('lets WebClient’s own queue wait out Retry-After on the real clock (timeScale 60: a 1-second minute)', async () => {
    const fake = await startFakeSlack({ timeScale: 60, users: [{ id: 'U001', name: 'alice' }] });
    fakes.push(fake);
    const patient = fakeWebClient(fake, { retryConfig: { retries: 1, minTimeout: 0 } });
    const results = await Promise.all(Array.from({ length: 21 }, () => patient.users.list({})));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fake.calls('users.list').map((c) => c.status)).toEqual([...Array(20).fill(200), 429, 200]);
  });

  it('allows chat.postMessage once a second per channel', async () => {
    const { web } = await start();
    const post = (channel: string) => outcome(web.chat.postMessage({ channel, text: 'x' }));
    const results = [await post('C100'), await post('C100'), await post('C200')];
    clock += 1000;
    results.push(await post('C100'));
    expect(results.map((r) => r.code)).toEqual(['ok', ErrorCode.RateLimitedError, 'ok', 'ok']);
    expect(results[1]?.retryAfter).toBe(1);
  });

  it('caps chat.postMessage per workspace per minute', async () => {
    const { web } = await start({
      users: Array.from({ length: 6 }, (_, i) => ({ id: `U10${i}`, name: `u${i}` })),
      rateLimits: { postMessageWorkspacePerMinute: 5 },
    });
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 6; i++)
      outcomes.push(await outcome(web.chat.postMessage({ channel: `U10${i}`, text: 'x' })));
    expect(outcomes.map((o) => o.code)).toEqual([...Array(5).fill('ok'), ErrorCode.RateLimitedError]);
  });

  it('takes per-method overrides, and can be switched off', async () => {
    const limited = await start({ rateLimits: { methods: { 'auth.test': 'tier1' } } });
    const unlimited = await start({ rateLimits: false });
    const tier1 = await repeat(2, () => limited.web.auth.test());
    const free = await repeat(30, () => unlimited.web.users.list({}));
    expect(tier1.map((o) => o.code)).toEqual(['ok', ErrorCode.RateLimitedError]);
    expect(free.every((o) => o.code === 'ok')).toBe(true);
  });
});

describe('random faults', () => {
  it('draws the same 429s and 5xx from the same seed', async () => {
    const opts = { rateLimits: false, random429Share: 0.2, random5xxShare: 0.1, seed: 42 } as const;
    const a = await start(opts);
    const b = await start(opts);
    const first = (await repeat(60, () => a.web.users.info({ user: 'U001' }))).map((o) => o.code);
    const second = (await repeat(60, () => b.web.users.info({ user: 'U001' }))).map((o) => o.code);
    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', ErrorCode.RateLimitedError, ErrorCode.HTTPError]));
  });

  it('summarises calls per method, status and error', async () => {
    const { fake, web } = await start();
    fake.script.failNext('users.info', { error: 'user_not_found' });
    await repeat(3, () => web.users.info({ user: 'U001' }));
    expect(fake.callSummary()).toEqual({
      total: 3,
      methods: { 'users.info': { calls: 3, ok: 2, statuses: { 200: 3 }, errors: { user_not_found: 1 } } },
    });
  });
});
