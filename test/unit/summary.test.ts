import { describe, expect, it } from 'vitest';
import type { AccountDefault, Finding, Readiness } from '../../src/domain/findings/model.js';
import { percentCompliant, rollup, ScanSummary, summarize } from '../../src/domain/findings/summary.js';
import {
  makeAccountDefault,
  makeFinding,
  makeLaunchTemplate,
  makeScanError,
  makeSnapshot,
  makeUsage,
} from '../support/factories.js';

const zeros = { compliant: 0, 'imds-disabled': 0, ready: 0, 'in-use': 0, unknown: 0 };
const byReadiness = (counts: Partial<Record<Readiness, number>>) => ({ ...zeros, ...counts });
const withReadiness = (readiness: Readiness, partial: Partial<Finding> = {}) =>
  makeFinding({ readiness, ...partial });

describe('percentCompliant', () => {
  it.each([
    { instances: 0, laggards: 0, want: null },
    { instances: 4, laggards: 0, want: 100 },
    { instances: 4, laggards: 4, want: 0 },
    { instances: 3, laggards: 1, want: 66.7 },
    { instances: 3, laggards: 2, want: 33.3 },
    { instances: 8, laggards: 1, want: 87.5 },
    { instances: 1000, laggards: 1, want: 99.9 },
    { instances: 1999, laggards: 1, want: 99.9 },
    { instances: 2000, laggards: 1, want: 99.9 },
    { instances: 100000, laggards: 1, want: 99.9 },
    { instances: 3000, laggards: 2999, want: 0.1 },
  ])('$instances instances, $laggards laggards -> $want', ({ instances, laggards, want }) => {
    expect(percentCompliant(instances, laggards)).toBe(want);
  });
});

describe('summarize', () => {
  it('reports an empty scan as n/a (nothing seen is not "100%") with every readiness at zero', () => {
    expect(summarize([], [])).toEqual({
      instances: 0,
      byReadiness: zeros,
      laggards: 0,
      percentCompliant: null,
      v1Calls: 0,
      launchTemplates: { total: 0, notEnforcing: 0 },
      accountDefaults: { total: 0, notEnforcing: 0 },
      scopes: { scanned: 0, partial: 0, failed: 0 },
    });
  });

  it('counts instances, readiness, laggards, v1 calls, templates and defaults across scopes', () => {
    const required = makeAccountDefault({ httpTokens: 'required' });
    const a = makeSnapshot({
      region: 'eu-west-1',
      findings: [
        withReadiness('compliant', { usage: null }),
        withReadiness('in-use', { usage: makeUsage({ noTokenCalls: 40 }) }),
        withReadiness('ready'),
      ],
      launchTemplates: [
        makeLaunchTemplate({ httpTokens: null }),
        makeLaunchTemplate({ httpTokens: 'optional' }),
      ],
      accountDefault: required,
    });
    const b = makeSnapshot({
      region: 'us-east-1',
      findings: [
        withReadiness('imds-disabled', { usage: null }),
        withReadiness('in-use', { usage: makeUsage({ noTokenCalls: 2.5 }) }),
        withReadiness('unknown', { usage: makeUsage({ datapoints: 0 }) }),
      ],
      launchTemplates: [
        makeLaunchTemplate({ httpTokens: null }),
        makeLaunchTemplate({ httpTokens: 'required' }),
      ],
      accountDefault: makeAccountDefault({ region: 'us-east-1', httpTokens: 'no-preference' }),
    });

    const summary = summarize([a, b], []);

    expect(summary).toEqual({
      instances: 6,
      byReadiness: byReadiness({ compliant: 1, 'imds-disabled': 1, ready: 1, 'in-use': 2, unknown: 1 }),
      laggards: 4,
      percentCompliant: 33.3,
      v1Calls: 42.5,
      launchTemplates: { total: 4, notEnforcing: 2 },
      accountDefaults: { total: 2, notEnforcing: 1 },
      scopes: { scanned: 2, partial: 0, failed: 0 },
    });
  });

  it.each([
    {
      name: 'required',
      def: makeAccountDefault({ httpTokens: 'required' }),
      want: { total: 1, notEnforcing: 0 },
    },
    {
      name: 'optional',
      def: makeAccountDefault({ httpTokens: 'optional' }),
      want: { total: 1, notEnforcing: 1 },
    },
    {
      name: 'no-preference',
      def: makeAccountDefault({ httpTokens: 'no-preference' }),
      want: { total: 1, notEnforcing: 1 },
    },
    { name: 'unreadable', def: null, want: { total: 0, notEnforcing: 0 } },
  ] as { name: string; def: AccountDefault | null; want: object }[])(
    'account default $name',
    ({ def, want }) => {
      expect(summarize([makeSnapshot({ accountDefault: def })], []).accountDefaults).toEqual(want);
    },
  );

  it('judges templates that leave HttpTokens unset by their own scope default', () => {
    const unset = makeLaunchTemplate({ httpTokens: null });
    const enforcing = makeSnapshot({
      launchTemplates: [unset],
      accountDefault: makeAccountDefault({ httpTokens: 'required' }),
    });
    const lax = makeSnapshot({
      launchTemplates: [unset],
      accountDefault: makeAccountDefault({ httpTokens: 'optional' }),
    });
    const unknown = makeSnapshot({ launchTemplates: [unset], accountDefault: null });

    const summary = summarize([enforcing, lax, unknown], []);

    expect(summary.launchTemplates).toEqual({ total: 3, notEnforcing: 2 });
  });

  it('counts scopes scanned, partial and failed (distinct; an account-wide failure once)', () => {
    const errors = [
      makeScanError({ accountId: '111111111111', region: 'eu-west-1', stage: 'inventory' }),
      makeScanError({ accountId: '111111111111', region: 'eu-west-1', stage: 'usage', partial: true }),
      makeScanError({ accountId: '111111111111', region: 'us-east-1', stage: 'usage', partial: true }),
      makeScanError({ accountId: '111111111111', region: 'us-east-1', stage: 'auto-scaling', partial: true }),
      makeScanError({ accountId: '222222222222', region: null, stage: 'credentials' }),
      makeScanError({ accountId: '222222222222', region: null, stage: 'credentials', code: 'Again' }),
    ];
    const snapshots = [
      makeSnapshot({ accountId: '111111111111', region: 'us-east-1' }),
      makeSnapshot({ accountId: '333333333333', region: 'eu-west-1' }),
    ];

    const summary = summarize(snapshots, errors);

    expect(summary.scopes).toEqual({ scanned: 1, partial: 1, failed: 2 });
  });

  it('produces a value the ScanSummary schema accepts', () => {
    const summary = summarize([makeSnapshot({ findings: [withReadiness('ready')] })], [makeScanError()]);
    expect(ScanSummary.parse(summary)).toEqual(summary);
  });
});

describe('rollup', () => {
  const byOwner = (f: Finding) => f.owner ?? '(no owner)';

  it('groups by key, most laggards first, ties broken by key', () => {
    const findings = [
      withReadiness('compliant', { owner: 'zed' }),
      withReadiness('ready', { owner: 'bob' }),
      withReadiness('in-use', { owner: 'amy' }),
      withReadiness('unknown', { owner: null }),
      withReadiness('in-use', { owner: null }),
      withReadiness('imds-disabled', { owner: 'amy' }),
    ];

    const rows = rollup(findings, byOwner);

    expect(rows).toEqual([
      {
        key: '(no owner)',
        instances: 2,
        laggards: 2,
        byReadiness: byReadiness({ unknown: 1, 'in-use': 1 }),
        percentCompliant: 0,
      },
      {
        key: 'amy',
        instances: 2,
        laggards: 1,
        byReadiness: byReadiness({ 'in-use': 1, 'imds-disabled': 1 }),
        percentCompliant: 50,
      },
      { key: 'bob', instances: 1, laggards: 1, byReadiness: byReadiness({ ready: 1 }), percentCompliant: 0 },
      {
        key: 'zed',
        instances: 1,
        laggards: 0,
        byReadiness: byReadiness({ compliant: 1 }),
        percentCompliant: 100,
      },
    ]);
  });

  it('orders keys by code unit, not locale, on a tie', () => {
    const findings = ['b', 'B', 'a'].map((accountId) => withReadiness('ready', { accountId }));
    expect(rollup(findings, (f) => f.accountId).map((r) => r.key)).toEqual(['B', 'a', 'b']);
  });

  it('returns no rows for no findings', () => {
    expect(rollup([], byOwner)).toEqual([]);
  });
});
