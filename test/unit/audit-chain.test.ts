import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type AuditBody,
  type AuditEntry,
  AuditType,
  canonicalJson,
  chainEntry,
  createChainVerifier,
  GENESIS_HASH,
  verifyChain,
} from '../../src/domain/change/audit-chain.js';

/** mulberry32: a seeded PRNG, so every run tampers with the same entries */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const body = (i: number): AuditBody => ({
  at: new Date(Date.UTC(2025, 2, 1) + i * 60_000).toISOString(),
  type: AuditType.options[i % AuditType.options.length] ?? 'requested',
  actor: i % 3 === 0 ? { system: 'worker' } : { userId: `U${i}`, name: `user ${i}` },
  target: {
    accountId: '123456789012',
    region: 'eu-west-1',
    resource: `i-${i.toString(16).padStart(8, '0')}`,
  },
  requestId: `cr-${Math.floor(i / 4)}`,
  before: i % 4 === 2 ? { httpTokens: 'optional', hopLimit: 1 } : null,
  after: i % 4 === 2 ? { httpTokens: 'required', hopLimit: 1 } : null,
  reason: i % 5 === 0 ? `reason ${i}` : null,
  awsRequestId: null,
  jobId: null,
  card: { channel: 'C0123', ts: `1740819600.${String(i).padStart(6, '0')}` },
});

const build = (n: number): AuditEntry[] => {
  const out: AuditEntry[] = [];
  for (let i = 0; i < n; i += 1) out.push(chainEntry(out.at(-1) ?? null, body(i)));
  return out;
};

const CHAIN = build(1000);
const at = (seq: number): AuditEntry => {
  const entry = CHAIN[seq - 1];
  if (!entry) throw new Error(`no entry ${seq}`);
  return entry;
};

describe('canonicalJson', () => {
  it.each<{ name: string; value: unknown; json: string }>([
    {
      name: 'sorted keys, nested',
      value: { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } },
      json: '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    },
    { name: 'no whitespace', value: [1, ' x ', true], json: '[1," x ",true]' },
    { name: 'undefined property dropped', value: { a: undefined, b: 2 }, json: '{"b":2}' },
    { name: 'escapes', value: { 'q"': 'line\nbreak\u2028' }, json: '{"q\\"":"line\\nbreak\u2028"}' },
    { name: 'UTF-16 key order', value: { é: 1, z: 2, Z: 3, _: 4 }, json: '{"Z":3,"_":4,"z":2,"é":1}' },
    { name: 'numbers as JSON writes them', value: [-0, 1e21, 0.1, 5e-7], json: '[0,1e+21,0.1,5e-7]' },
    {
      name: 'null-prototype object',
      value: Object.assign(Object.create(null), { b: 1, a: 2 }),
      json: '{"a":2,"b":1}',
    },
    { name: 'empty containers', value: { a: {}, b: [] }, json: '{"a":{},"b":[]}' },
  ])('$name', ({ value, json }) => {
    expect(canonicalJson(value)).toBe(json);
  });

  it('ignores insertion order', () => {
    expect(canonicalJson({ x: 1, y: { p: 1, q: 2 } })).toBe(canonicalJson({ y: { q: 2, p: 1 }, x: 1 }));
  });

  it.each<{ name: string; value: unknown; path: string }>([
    { name: 'undefined', value: undefined, path: '$' },
    { name: 'NaN', value: { a: [1, Number.NaN] }, path: '$.a[1]' },
    { name: 'Infinity', value: Number.POSITIVE_INFINITY, path: '$' },
    { name: 'bigint', value: { n: 1n }, path: '$.n' },
    { name: 'a Date', value: { at: new Date(0) }, path: '$.at' },
    { name: 'a function', value: [() => 1], path: '$[0]' },
    { name: 'undefined in an array', value: [undefined], path: '$[0]' },
    { name: 'a Map', value: new Map(), path: '$' },
  ])('refuses $name', ({ value, path }) => {
    expect(() => canonicalJson(value)).toThrow(`at ${path}`);
  });
});

describe('chainEntry', () => {
  it('starts at seq 1 from the genesis hash', () => {
    const first = at(1);
    const { hash, ...rest } = first;

    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(hash).toBe(
      createHash('sha256')
        .update(GENESIS_HASH + canonicalJson(rest))
        .digest('hex'),
    );
  });

  it('links each entry to the previous hash', () => {
    expect(at(2)).toMatchObject({ seq: 2, prevHash: at(1).hash });
  });

  it('is deterministic', () => {
    expect(build(3)).toEqual(CHAIN.slice(0, 3));
  });

  it('rejects an invalid body', () => {
    expect(() => chainEntry(null, { ...body(0), type: 'hacked' as AuditBody['type'] })).toThrow();
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain and reports its head', () => {
    expect(verifyChain(CHAIN)).toEqual({ ok: true, count: 1000, head: { seq: 1000, hash: at(1000).hash } });
  });

  it('accepts an empty chain', () => {
    expect(verifyChain([])).toEqual({ ok: true, count: 0, head: null });
  });

  it('verifies a suffix from a trusted checkpoint', () => {
    const result = verifyChain(CHAIN.slice(500), { seq: 500, hash: at(500).hash });

    expect(result).toEqual({ ok: true, count: 500, head: { seq: 1000, hash: at(1000).hash } });
  });

  it('rejects a suffix against the wrong checkpoint', () => {
    expect(verifyChain(CHAIN.slice(500), { seq: 500, hash: at(499).hash })).toMatchObject({
      ok: false,
      brokenAt: 501,
    });
  });

  it('shows a truncated tail only through the head', () => {
    const result = verifyChain(CHAIN.slice(0, -1));

    expect(result).toMatchObject({ ok: true, head: { seq: 999 } });
  });

  it('stops at the first break and ignores what follows', () => {
    const verifier = createChainVerifier();
    verifier.push(at(1));
    verifier.push(at(3));
    verifier.push(at(4));

    expect(verifier.result()).toEqual({
      ok: false,
      brokenAt: 2,
      reason: expect.stringContaining('expected seq 2, found 3'),
    });
  });
});

type Tamper = (chain: AuditEntry[], k: number) => AuditEntry[];
const replace = (chain: AuditEntry[], k: number, entry: AuditEntry): AuditEntry[] =>
  chain.map((e, i) => (i === k - 1 ? entry : e));
const rehash = (entry: AuditEntry): AuditEntry => {
  const { hash: _, seq, prevHash, ...rest } = entry;
  return chainEntry({ ...entry, seq: seq - 1, hash: prevHash }, rest);
};

/** How each tampering shows: at which seq (relative to the tampered k) and why. */
const TAMPERS: { name: string; tamper: Tamper; offset: number; reason: string; last: boolean }[] = [
  {
    name: 'modified reason',
    tamper: (c, k) => replace(c, k, { ...at(k), reason: 'nothing to see' }),
    offset: 0,
    reason: 'modified',
    last: true,
  },
  {
    name: 'modified actor',
    tamper: (c, k) => replace(c, k, { ...at(k), actor: { userId: 'UEVIL', name: 'evil' } }),
    offset: 0,
    reason: 'modified',
    last: true,
  },
  {
    name: 'modified nested before',
    tamper: (c, k) => replace(c, k, { ...at(k), before: { httpTokens: 'required' } }),
    offset: 0,
    reason: 'modified',
    last: true,
  },
  {
    name: 'forged hash',
    tamper: (c, k) => replace(c, k, { ...at(k), hash: 'f'.repeat(64) }),
    offset: 0,
    reason: 'modified',
    last: true,
  },
  {
    name: 'modified and rehashed',
    tamper: (c, k) => replace(c, k, rehash({ ...at(k), reason: 'rewritten' })),
    offset: 1,
    reason: 'prevHash',
    last: false,
  },
  {
    name: 'deleted',
    tamper: (c, k) => c.filter((_, i) => i !== k - 1),
    offset: 0,
    reason: `missing or out of order`,
    last: false,
  },
  {
    name: 'deleted and renumbered',
    tamper: (c, k) => c.filter((_, i) => i !== k - 1).map((e) => (e.seq > k ? { ...e, seq: e.seq - 1 } : e)),
    offset: 0,
    reason: 'prevHash',
    last: false,
  },
  {
    name: 'swapped with the next',
    tamper: (c, k) => replace(replace(c, k, at(k + 1)), k + 1, at(k)),
    offset: 0,
    reason: 'missing or out of order',
    last: false,
  },
  {
    name: 'extra field',
    tamper: (c, k) => replace(c, k, { ...at(k), note: 'x' } as AuditEntry),
    offset: 0,
    reason: 'malformed',
    last: true,
  },
  {
    name: 'seq changed',
    tamper: (c, k) => replace(c, k, { ...at(k), seq: k + 7 }),
    offset: 0,
    reason: 'missing or out of order',
    last: true,
  },
];

describe.each(TAMPERS)('tampering: $name', ({ tamper, offset, reason, last }) => {
  const random = prng(TAMPERS.findIndex((t) => t.tamper === tamper) + 1);
  const ks = [1, ...Array.from({ length: 18 }, () => 1 + Math.floor(random() * 998)), last ? 1000 : 999];

  it.each(ks)('is found at entry %i', (k) => {
    const result = verifyChain(tamper(CHAIN, k));

    expect(result).toEqual({ ok: false, brokenAt: k + offset, reason: expect.stringContaining(reason) });
  });
});
