import { describe, expect, it } from 'vitest';
import type { ScopeSnapshot } from '../../src/domain/findings/model.js';
import { mergeSummaries, summarize } from '../../src/domain/findings/summary.js';
import {
  makeAccountDefault,
  makeFinding,
  makeLaunchTemplate,
  makeScanError,
  makeSnapshot,
  makeUsage,
} from '../support/factories.js';

const A = '111111111111';
const B = '222222222222';

/** Three scopes with every readiness, templates enforcing or not, and account defaults read or not. */
function threeSnapshots(): ScopeSnapshot[] {
  const a1 = { accountId: A, region: 'eu-west-1' };
  const a2 = { accountId: A, region: 'us-east-1' };
  const b1 = { accountId: B, region: 'eu-west-1' };
  return [
    makeSnapshot({
      ...a1,
      findings: [
        makeFinding({ ...a1 }),
        makeFinding({ ...a1, readiness: 'in-use', usage: makeUsage({ noTokenCalls: 17 }) }),
        makeFinding({ ...a1, readiness: 'compliant', httpTokens: 'required', usage: null }),
      ],
      launchTemplates: [makeLaunchTemplate({ ...a1 }), makeLaunchTemplate({ ...a1, httpTokens: 'required' })],
      accountDefault: makeAccountDefault({ ...a1, httpTokens: 'required' }),
    }),
    makeSnapshot({
      ...a2,
      findings: [
        makeFinding({ ...a2, readiness: 'unknown', usage: makeUsage({ datapoints: 0 }) }),
        makeFinding({ ...a2, readiness: 'imds-disabled', httpEndpoint: 'disabled', usage: null }),
        makeFinding({ ...a2, readiness: 'in-use', usage: makeUsage({ noTokenCalls: 3 }) }),
      ],
      launchTemplates: [makeLaunchTemplate({ ...a2, httpTokens: 'optional' })],
      accountDefault: makeAccountDefault({ ...a2, httpTokens: 'optional' }),
    }),
    makeSnapshot({
      ...b1,
      findings: [makeFinding({ ...b1, readiness: 'compliant', httpTokens: 'required', usage: null })],
      launchTemplates: [makeLaunchTemplate({ ...b1 })],
      accountDefault: null,
    }),
  ];
}

describe('mergeSummaries', () => {
  it('equals summarize over all snapshots at once', () => {
    const snapshots = threeSnapshots();
    const errors = [
      makeScanError({ accountId: B, region: 'eu-west-1', stage: 'usage', partial: true }),
      makeScanError({ accountId: B, region: 'eu-west-1', stage: 'launch-templates', partial: true }),
      makeScanError({ accountId: '333333333333', region: null, stage: 'credentials' }),
    ];
    const ofScope = (s: ScopeSnapshot) =>
      errors.filter((e) => e.accountId === s.accountId && e.region === s.region);

    const merged = mergeSummaries(
      snapshots.map((s) => summarize([s], ofScope(s))),
      errors,
    );

    expect(merged).toEqual(summarize(snapshots, errors));
  });

  it('counts what the fixtures hold', () => {
    const snapshots = threeSnapshots();

    const merged = mergeSummaries(
      snapshots.map((s) => summarize([s], [])),
      [],
    );

    expect(merged).toEqual({
      instances: 7,
      byReadiness: { compliant: 2, 'imds-disabled': 1, ready: 1, 'in-use': 2, unknown: 1 },
      laggards: 4,
      percentCompliant: 42.9,
      v1Calls: 20,
      launchTemplates: { total: 4, notEnforcing: 2 },
      accountDefaults: { total: 2, notEnforcing: 1 },
      scopes: { scanned: 3, partial: 0, failed: 0 },
    });
  });

  it('is summarize of nothing when there are no parts', () => {
    const errors = [makeScanError()];

    expect(mergeSummaries([], errors)).toEqual(summarize([], errors));
  });
});
