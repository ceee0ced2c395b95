import { describe, expect, it } from 'vitest';
import {
  buildDigests,
  type DigestInput,
  fingerprintOf,
  type OwnerDigest,
  shouldPost,
  urgencyCompare,
  usageBucket,
} from '../../src/domain/findings/digest.js';
import type { Finding } from '../../src/domain/findings/model.js';
import { type FindingOverrides, makeFinding, makeUsage } from '../support/factories.js';

const f = (instanceId: string, owner: string, extra: FindingOverrides = {}): Finding =>
  makeFinding({ instanceId, owner, ...extra });
const inUse = (calls: number, lastSeen: string | null = '2025-06-14T00:00:00.000Z'): FindingOverrides => ({
  readiness: 'in-use',
  usage: makeUsage({ noTokenCalls: calls, lastSeen }),
});

const input = (findings: Finding[], over: Partial<DigestInput> = {}): DigestInput => ({
  findings,
  ownerKeyOf: (x) => x.owner ?? '(none)',
  snoozed: new Set(),
  previous: new Map(),
  regressedIds: new Set(),
  ...over,
});

const ids = (fs: readonly Finding[]): string[] => fs.map((x) => x.instanceId);
const only = (digests: OwnerDigest[], key: string): OwnerDigest => {
  const d = digests.find((x) => x.ownerKey === key);
  if (d === undefined) throw new Error(`no digest for ${key}`);
  return d;
};

describe('urgencyCompare', () => {
  it.each<[string, FindingOverrides, FindingOverrides]>([
    ['prod before public IP', { risk: { prod: true } }, { risk: { publicIp: true, iamRole: true } }],
    ['public IP before IAM role', { risk: { publicIp: true } }, { risk: { iamRole: true } }],
    ['IAM role before nothing', { risk: { iamRole: true } }, inUse(1_000_000)],
    ['more calls first', inUse(50), inUse(5)],
    ['seen more recently first', inUse(5, '2025-06-14T10:00:00.000Z'), inUse(5, '2025-06-14T09:00:00.000Z')],
    ['seen before never seen', inUse(5, '2025-06-01T00:00:00.000Z'), inUse(5, null)],
  ])('%s', (_, first, second) => {
    const a = f('i-0000000b', 'o', first);
    const b = f('i-0000000a', 'o', second);

    expect(urgencyCompare(a, b)).toBeLessThan(0);
    expect(urgencyCompare(b, a)).toBeGreaterThan(0);
  });

  it('falls back to the instance id', () => {
    const sorted = [f('i-0000000c', 'o'), f('i-0000000a', 'o'), f('i-0000000b', 'o')].sort(urgencyCompare);

    expect(ids(sorted)).toEqual(['i-0000000a', 'i-0000000b', 'i-0000000c']);
  });
});

describe('buildDigests', () => {
  it('groups laggards per owner by readiness, in urgency order, and ignores the rest', () => {
    const findings = [
      f('i-000000a1', 'alice'),
      f('i-000000a2', 'alice', { risk: { prod: true } }),
      f('i-000000a3', 'alice', inUse(3)),
      f('i-000000a4', 'alice', inUse(300)),
      f('i-000000a5', 'alice', { readiness: 'unknown', usage: makeUsage({ datapoints: 0 }) }),
      f('i-000000a6', 'alice', { readiness: 'compliant', httpTokens: 'required', usage: null }),
      f('i-000000a7', 'alice', { readiness: 'imds-disabled', httpEndpoint: 'disabled', usage: null }),
      f('i-000000b1', 'bob'),
    ];

    const digests = buildDigests(input(findings));

    expect(digests.map((d) => d.ownerKey)).toEqual(['alice', 'bob']);
    const alice = only(digests, 'alice');
    expect(ids(alice.groups.ready)).toEqual(['i-000000a2', 'i-000000a1']);
    expect(ids(alice.groups.inUse)).toEqual(['i-000000a4', 'i-000000a3']);
    expect(ids(alice.groups.unknown)).toEqual(['i-000000a5']);
    expect(ids(only(digests, 'bob').groups.ready)).toEqual(['i-000000b1']);
  });

  it('leaves snoozed laggards out but counts them', () => {
    const findings = [f('i-000000a1', 'alice'), f('i-000000a2', 'alice'), f('i-000000a3', 'alice', inUse(1))];

    const [alice] = buildDigests(
      input(findings, { snoozed: new Set(['i-000000a2', 'i-000000a3', 'i-0000ffff']) }),
    );

    expect(alice).toMatchObject({ snoozedCount: 2, snoozedIds: ['i-000000a2', 'i-000000a3'] });
    expect(ids(alice?.groups.ready ?? [])).toEqual(['i-000000a1']);
    expect(alice?.groups.inUse).toEqual([]);
  });

  it('marks an owner changed when there is no previous fingerprint or it differs', () => {
    const findings = [f('i-000000a1', 'alice'), f('i-000000b1', 'bob')];
    const first = buildDigests(input(findings));
    const previous = new Map([
      ['alice', only(first, 'alice').fingerprint],
      ['bob', 'something-else'],
    ]);

    const second = buildDigests(input(findings, { previous }));

    expect(first.map((d) => d.changed)).toEqual([true, true]);
    expect(only(second, 'alice').changed).toBe(false);
    expect(only(second, 'bob').changed).toBe(true);
  });

  it('keeps the fingerprint when only call counts within a band, last seen or order move', () => {
    const before = [
      f('i-000000a1', 'alice', inUse(120, '2025-06-01T00:00:00.000Z')),
      f('i-000000a2', 'alice'),
    ];
    const after = [
      f('i-000000a2', 'alice'),
      f('i-000000a1', 'alice', inUse(480, '2025-06-14T00:00:00.000Z')),
    ];

    expect(fingerprintOf(after)).toBe(fingerprintOf(before));
  });

  it.each<[string, Finding[]]>([
    ['a laggard added', [f('i-000000a1', 'alice'), f('i-000000a2', 'alice'), f('i-000000a3', 'alice')]],
    ['a laggard fixed', [f('i-000000a1', 'alice')]],
    ['readiness moved', [f('i-000000a1', 'alice', inUse(5)), f('i-000000a2', 'alice')]],
    ['usage band moved', [f('i-000000a1', 'alice'), f('i-000000a2', 'alice', inUse(5000))]],
  ])('changes the fingerprint when %s', (_, after) => {
    const before = [f('i-000000a1', 'alice'), f('i-000000a2', 'alice', inUse(50))];

    expect(fingerprintOf(after)).not.toBe(fingerprintOf(before));
  });

  it.each<[Finding['readiness'], number, string]>([
    ['ready', 0, 'quiet'],
    ['unknown', 0, 'no-data'],
    ['in-use', 1, 'trickle'],
    ['in-use', 9, 'trickle'],
    ['in-use', 10, 'steady'],
    ['in-use', 999, 'steady'],
    ['in-use', 1000, 'heavy'],
  ])('usageBucket(%s, %i calls) = %s', (readiness, calls, bucket) => {
    expect(usageBucket(f('i-000000a1', 'o', { readiness, usage: makeUsage({ noTokenCalls: calls }) }))).toBe(
      bucket,
    );
  });

  it('flags a regression only for the owner whose visible laggard regressed', () => {
    const findings = [f('i-000000a1', 'alice'), f('i-000000b1', 'bob'), f('i-000000c1', 'carol')];
    const regressedIds = new Set(['i-000000a1', 'i-000000c1', 'i-0000dead']);

    const digests = buildDigests(input(findings, { regressedIds, snoozed: new Set(['i-000000c1']) }));

    expect(digests.map((d) => [d.ownerKey, d.hasRegression, d.regressedIds])).toEqual([
      ['alice', true, ['i-000000a1']],
      ['bob', false, []],
      ['carol', false, []],
    ]);
  });

  it('gives an owner from the previous run whose laggards are all gone one all-clear digest', () => {
    const findings = [f('i-000000a1', 'alice', { readiness: 'compliant', usage: null })];
    const empty = fingerprintOf([]);

    const now = buildDigests(input(findings, { previous: new Map([['alice', 'old']]) }));
    const later = buildDigests(input(findings, { previous: new Map([['alice', empty]]) }));

    expect(now).toEqual([expect.objectContaining({ ownerKey: 'alice', fingerprint: empty, changed: true })]);
    expect(later).toEqual([expect.objectContaining({ ownerKey: 'alice', changed: false })]);
    expect(buildDigests(input(findings))).toEqual([]);
  });

  it('never puts one owner’s instance in another owner’s digest', () => {
    const owners = ['alice', 'bob', 'carol'];
    const findings = Array.from({ length: 90 }, (_, i) =>
      f(`i-${i.toString(16).padStart(17, '0')}`, owners[i % 3] ?? 'x', i % 2 === 0 ? {} : inUse(i)),
    );

    const digests = buildDigests(input(findings));

    for (const d of digests) {
      const mine = [...d.groups.ready, ...d.groups.inUse, ...d.groups.unknown];
      expect(mine.every((x) => x.owner === d.ownerKey)).toBe(true);
      expect(mine).toHaveLength(30);
    }
  });
});

describe('shouldPost', () => {
  const digest = (over: Partial<OwnerDigest>): OwnerDigest => ({
    ownerKey: 'alice',
    groups: { ready: [f('i-000000a1', 'alice')], inUse: [], unknown: [] },
    snoozedCount: 0,
    snoozedIds: [],
    regressedIds: [],
    launchedIds: [],
    fingerprint: 'x',
    changed: false,
    hasRegression: false,
    ...over,
  });
  const nothing = { groups: { ready: [], inUse: [], unknown: [] } };

  it.each<[string, Partial<OwnerDigest>, boolean, boolean]>([
    ['unchanged', {}, false, true],
    ['changed', { changed: true }, true, true],
    ['regressed', { hasRegression: true }, true, true],
    ['unchanged, nothing to do', nothing, false, false],
    ['all clear (changed to nothing)', { ...nothing, changed: true }, true, true],
  ])('%s: on-change %s, always %s', (_, over, onChange, always) => {
    expect(shouldPost(digest(over), 'on-change')).toBe(onChange);
    expect(shouldPost(digest(over), 'always')).toBe(always);
  });
});
