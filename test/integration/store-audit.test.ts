import { describe, expect, it } from 'vitest';
import { type AuditStore, createAuditStore } from '../../src/adapters/redis/audit.js';
import { type AuditBody, type AuditEntry, canonicalJson } from '../../src/domain/change/audit-chain.js';
import { testRedis } from '../support/redis-prefix.js';

const T0 = Date.UTC(2025, 2, 1, 10);
const body = (i: number, over: Partial<AuditBody> = {}): AuditBody => ({
  at: new Date(T0 + i * 60_000).toISOString(),
  type: 'approved',
  actor: i % 4 === 0 ? { system: 'worker' } : { userId: `U${i % 3}`, name: `user ${i % 3}` },
  target: { accountId: '123456789012', region: 'eu-west-1', resource: `i-${i % 5}` },
  requestId: `cr-${i}`,
  before: { httpTokens: 'optional' },
  after: { httpTokens: 'required' },
  reason: i === 1 ? '=HYPERLINK("x"), "quoted"' : null,
  awsRequestId: null,
  jobId: null,
  card: null,
  ...over,
});

const collect = async (lines: AsyncIterable<string>): Promise<string[]> => {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
};

describe('audit store', () => {
  const { redis, connect, freshPrefix } = testRedis();
  /** 8 connections, as 8 bot processes would have */
  const clients = [redis, ...Array.from({ length: 7 }, () => connect())];

  const fresh = (): { store: AuditStore; prefix: string } => {
    const prefix = freshPrefix();
    return { store: createAuditStore({ redis, prefix }), prefix };
  };
  const fill = async (store: AuditStore, n: number) => {
    for (let i = 1; i <= n; i += 1) await store.append(body(i));
  };
  const rows = async (prefix: string) =>
    (await redis.xrange(`${prefix}:audit`, '-', '+')) as [string, string[]][];

  it('keeps one unbroken chain under 200 appends from 8 concurrent writers', async () => {
    const { prefix } = fresh();
    const writers = clients.map((c) => createAuditStore({ redis: c, prefix }));

    await Promise.all(
      writers.map(async (w, n) => {
        for (let i = 0; i < 25; i += 1) await w.append(body(n * 25 + i));
      }),
    );

    const result = await writers[3]?.verify();
    expect(result).toMatchObject({ ok: true, count: 200, head: { seq: 200 } });
    const seqs = (await rows(prefix)).map(([, f]) => (JSON.parse(f[1] ?? '') as AuditEntry).seq);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('stores each entry as its canonical JSON in field e', async () => {
    const { store, prefix } = fresh();
    const { entry } = await store.append(body(1));
    expect((await rows(prefix)).map(([, f]) => f)).toEqual([['e', canonicalJson(entry)]]);
    expect(await store.head()).toEqual(entry);
  });

  it('fails verification at an entry deleted and re-added modified', async () => {
    const { store, prefix } = fresh();
    await fill(store, 30);
    const [id, fields] = (await rows(prefix))[11] ?? ['', []];
    const forged = { ...(JSON.parse(fields[1] ?? '') as AuditEntry), reason: 'nothing to see' };

    await redis.xdel(`${prefix}:audit`, id);
    await redis.xadd(`${prefix}:audit`, '*', 'e', canonicalJson(forged));

    expect(await store.verify()).toMatchObject({ ok: false, brokenAt: 12 });
  });

  it('fails verification at an entry modified in place (a copy of the stream)', async () => {
    const { store, prefix } = fresh();
    await fill(store, 30);
    const copy = fresh();
    let last: [string, string] = ['', ''];
    for (const [, fields] of await rows(prefix)) {
      const entry = JSON.parse(fields[1] ?? '') as AuditEntry;
      const json = canonicalJson(entry.seq === 17 ? { ...entry, type: 'denied' } : entry);
      last = [(await redis.xadd(`${copy.prefix}:audit`, '*', 'e', json)) ?? '', json];
    }
    await redis.hset(`${copy.prefix}:audit:head`, 'e', last[1], 'id', last[0]);

    expect(await copy.store.verify()).toMatchObject({
      ok: false,
      brokenAt: 17,
      reason: expect.stringMatching(/modified/),
    });
    expect(await store.verify()).toMatchObject({ ok: true, count: 30 });
  });

  it('fails verification when the tail was cut off', async () => {
    const { store, prefix } = fresh();
    await fill(store, 10);
    const [id] = (await rows(prefix)).at(-1) ?? [''];

    await redis.xdel(`${prefix}:audit`, id);

    expect(await store.verify()).toMatchObject({ ok: false, brokenAt: 10 });
  });

  it('verifies an empty trail', async () => {
    expect(await fresh().store.verify()).toEqual({ ok: true, count: 0, head: null });
  });

  it('adds nothing for an idempotency key already used, even when both appends race', async () => {
    const { store, prefix } = fresh();
    const key = 'cr-1:applied:1';
    const first = await store.append(body(1), { idempotencyKey: key });
    const again = await store.append(body(2), { idempotencyKey: key });
    const racing = await Promise.all(
      clients.map((c) =>
        createAuditStore({ redis: c, prefix }).append(body(3), { idempotencyKey: 'cr-2:applied:1' }),
      ),
    );

    expect(first.created).toBe(true);
    expect(again).toEqual({ ...first, created: false });
    expect(racing.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(racing.map((r) => r.entry.hash)).size).toBe(1);
    expect(await redis.xlen(`${prefix}:audit`)).toBe(2);
  });

  it('exports jsonl and csv since a date, oldest first', async () => {
    const { store } = fresh();
    await fill(store, 450); // more than two pages

    const jsonl = await collect(store.export({ format: 'jsonl', since: new Date(T0 + 400 * 60_000) }));
    const csv = await collect(store.export({ format: 'csv' }));

    expect(jsonl.map((l) => (JSON.parse(l) as AuditEntry).seq)).toEqual(
      Array.from({ length: 51 }, (_, i) => 400 + i),
    );
    expect(jsonl.every((l) => l.endsWith('}\n'))).toBe(true);
    expect(csv).toHaveLength(451);
    expect(csv[0]).toMatch(/^seq,at,type,actor,/);
    expect(csv[1]).toContain(`"'=HYPERLINK(""x""), ""quoted"""`);
    expect(csv[1]?.startsWith('1,2025-03-01T10:01:00.000Z,approved,U1,user 1,')).toBe(true);
  });

  it('lists recent entries newest first, by instance and by user', async () => {
    const { store } = fresh();
    await fill(store, 40);

    const recent = await store.recent({ limit: 3 });
    const byInstance = await store.recent({ limit: 100, instanceId: 'i-2' });
    const byUser = await store.recent({ limit: 4, userId: 'U1' });
    const both = await store.recent({ limit: 100, instanceId: 'i-2', userId: 'U1' });

    expect(recent.map((e) => e.seq)).toEqual([40, 39, 38]);
    expect(byInstance.map((e) => e.seq)).toEqual([37, 32, 27, 22, 17, 12, 7, 2]);
    expect(byUser.map((e) => e.seq)).toEqual([37, 34, 31, 25]);
    expect(both.map((e) => e.seq)).toEqual([37, 22, 7]);
  });

  it("reads many instances' history at once, as recent reads each; instances without any are left out", async () => {
    const { store } = fresh();
    await fill(store, 40);
    const ids = ['i-0', 'i-1', 'i-2', 'i-3', 'i-4', 'i-never'];

    const all = await store.historyOf(ids, 100);
    const few = await store.historyOf(ids, 3);

    expect([...all.keys()]).toEqual(['i-0', 'i-1', 'i-2', 'i-3', 'i-4']);
    for (const id of ids.slice(0, 5)) {
      expect(all.get(id)).toEqual(await store.recent({ instanceId: id, limit: 100 }));
      expect(few.get(id)).toEqual(await store.recent({ instanceId: id, limit: 3 }));
    }
    expect(all.get('i-2')?.map((e) => e.seq)).toEqual([37, 32, 27, 22, 17, 12, 7, 2]);
    expect(await store.historyOf([], 100)).toEqual(new Map());
  });
});
