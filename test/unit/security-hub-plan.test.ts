// Which findings a scan sends to Security Hub: laggards FAILED, fixed open ones PASSED, gone open
// ones ARCHIVED, but only where the scan read the scope completely.
import { describe, expect, it } from 'vitest';
import type { ScopeSnapshot } from '../../src/domain/findings/model.js';
import type { ScanOutcome } from '../../src/domain/findings/scan.js';
import { summarize } from '../../src/domain/findings/summary.js';
import { ASFF_REQUIRED } from '../../src/report/asff.js';
import { buildReport } from '../../src/report/report.js';
import { findingUid } from '../../src/report/security-findings.js';
import { type OpenFinding, planImport } from '../../src/report/security-hub-sync.js';
import { makeFinding, makeScanError, makeSnapshot } from '../support/factories.js';

const AT = '2026-12-01T06:05:00.000Z';
const A = '111111111111';
const B = '222222222222';
const R = 'eu-west-1';

function reportOf(snapshots: ScopeSnapshot[], errors: ScanOutcome['errors'] = []) {
  const outcome = {
    scanId: 'scan-1',
    workflow: 'w',
    startedAt: AT,
    finishedAt: AT,
    summary: summarize(snapshots, errors),
    diff: { new: 0, fixed: 0, regressed: 0, gone: 0 },
    firstScan: false,
    mttrSeconds: null,
    errors,
  };
  return buildReport(outcome, snapshots);
}

const openOf = (accountId: string, instanceId: string): [string, OpenFinding] => [
  findingUid({ accountId, region: R, instanceId }),
  {
    accountId,
    region: R,
    instanceId,
    createdAt: '2026-01-01T00:00:00.000Z',
    severity: 'MEDIUM',
    owner: 'o@x',
  },
];

describe('planImport', () => {
  const lag = makeFinding({ accountId: A, region: R, instanceId: 'i-0000000000000000a', readiness: 'ready' });
  const fixed = makeFinding({
    accountId: A,
    region: R,
    instanceId: 'i-0000000000000000b',
    readiness: 'compliant',
    httpTokens: 'required',
  });
  const neverLagged = makeFinding({
    accountId: A,
    region: R,
    instanceId: 'i-0000000000000000c',
    readiness: 'compliant',
    httpTokens: 'required',
  });
  const snapshots = [
    makeSnapshot({ accountId: A, region: R, findings: [lag, fixed, neverLagged] }),
    makeSnapshot({ accountId: B, region: R, findings: [] }),
  ];
  const scanned = [
    { accountId: A, region: R },
    { accountId: B, region: R },
  ];
  const open = new Map([
    openOf(A, 'i-0000000000000000b'),
    openOf(A, 'i-0000000000000000d'), // gone from a complete scope
    openOf(B, 'i-0000000000000000e'), // gone from a scope with an error
    openOf('333333333333', 'i-0000000000000000f'), // in a scope this scan did not cover
  ]);

  it('sends laggards FAILED, fixed ones PASSED, gone ones ARCHIVED; never a never-lagged one', () => {
    const report = reportOf(snapshots, [makeScanError({ accountId: B, region: R, partial: true })]);
    const plan = planImport(report, scanned, open);
    const byId = new Map(plan.findings.map((f) => [f.Id, f]));
    expect([...byId.keys()].sort()).toEqual(
      [findingUid(lag), findingUid(fixed), openOf(A, 'i-0000000000000000d')[0]].sort(),
    );
    expect(byId.get(findingUid(lag))).toMatchObject({
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
    });
    expect(byId.get(findingUid(fixed))).toMatchObject({
      Compliance: { Status: 'PASSED' },
      RecordState: 'ACTIVE',
    });
    expect(byId.get(openOf(A, 'i-0000000000000000d')[0])).toMatchObject({
      RecordState: 'ARCHIVED',
      Workflow: { Status: 'RESOLVED' },
      CreatedAt: '2026-01-01T00:00:00.000Z',
    });
    for (const f of plan.findings) for (const key of ASFF_REQUIRED) expect(f[key], key).toBeTruthy();
    expect([...plan.opened.keys()]).toEqual([findingUid(lag)]);
    expect([...plan.closed].sort()).toEqual([findingUid(fixed), openOf(A, 'i-0000000000000000d')[0]].sort());
  });

  it('a failed account (region null) keeps all of its open findings open', () => {
    const report = reportOf([snapshots[1] as ScopeSnapshot], [makeScanError({ accountId: B, region: null })]);
    const plan = planImport(
      report,
      [{ accountId: B, region: R }],
      new Map([openOf(B, 'i-0000000000000000e')]),
    );
    expect(plan.findings).toEqual([]);
    expect(plan.closed.size).toBe(0);
  });
});
