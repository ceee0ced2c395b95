import { describe, expect, it } from 'vitest';
import type { Finding, ScanError, ScopeSnapshot } from '../../src/domain/findings/model.js';
import type { ScanOutcome } from '../../src/domain/findings/scan.js';
import { summarize } from '../../src/domain/findings/summary.js';
import { csvCell, formatCsv, formatJson, formatTable } from '../../src/report/format.js';
import { buildReport, type Report, reportOrder } from '../../src/report/report.js';
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
const ESC = '\u001b';

function outcomeOf(snapshots: ScopeSnapshot[], errors: ScanError[]): ScanOutcome {
  return {
    scanId: 'scan-20250615T060000-abc123',
    workflow: 'default',
    trigger: { kind: 'cli', by: null },
    startedAt: '2025-06-15T06:00:00.000Z',
    finishedAt: '2025-06-15T06:05:00.000Z',
    scopes: snapshots.map((s) => ({ accountId: s.accountId, region: s.region })),
    summary: summarize(snapshots, errors),
    diff: { new: 2, fixed: 1, regressed: 0, gone: 3 },
    firstScan: false,
    mttrSeconds: 3 * 86_400,
    remediated: 1,
    rejections: [],
    errors,
  };
}

const reportOf = (snapshots: ScopeSnapshot[], errors: ScanError[] = []): Report =>
  buildReport(outcomeOf(snapshots, errors), snapshots);

/** Two scopes: four laggards, one compliant, one without IMDS; one template and one default not enforcing. */
function fleetReport(): Report {
  const inA = { accountId: A, region: 'eu-west-1' };
  const inB = { accountId: B, region: 'us-east-1' };
  const snapshotA = makeSnapshot({
    ...inA,
    findings: [
      makeFinding({ ...inA, instanceId: 'i-a-ready', name: 'web-1', owner: 'alice@example.com' }),
      makeFinding({
        ...inA,
        instanceId: 'i-a-in-use',
        readiness: 'in-use',
        name: `${ESC}[31mEVIL${ESC}[0m`,
        owner: '\u0007bell@example.com',
        usage: makeUsage({ noTokenCalls: 42, lastSeen: '2025-06-14T10:05:00.000Z' }),
        risk: { prod: true },
      }),
      makeFinding({
        ...inA,
        instanceId: 'i-a-compliant',
        readiness: 'compliant',
        httpTokens: 'required',
        usage: null,
      }),
      makeFinding({ ...inA, instanceId: 'i-a-unknown', readiness: 'unknown', risk: { publicIp: true } }),
    ],
    launchTemplates: [
      makeLaunchTemplate({ ...inA, launchTemplateId: 'lt-unset', name: 'unset' }),
      makeLaunchTemplate({
        ...inA,
        launchTemplateId: 'lt-required',
        name: 'required',
        httpTokens: 'required',
      }),
    ],
    accountDefault: makeAccountDefault({ ...inA, httpTokens: 'optional' }),
  });
  const snapshotB = makeSnapshot({
    ...inB,
    findings: [
      makeFinding({
        ...inB,
        instanceId: 'i-b-disabled',
        readiness: 'imds-disabled',
        httpEndpoint: 'disabled',
        usage: null,
      }),
      makeFinding({ ...inB, instanceId: 'i-b-ready-iam', risk: { iamRole: true } }),
    ],
    launchTemplates: [makeLaunchTemplate({ ...inB, launchTemplateId: 'lt-inherits', name: 'inherits' })],
    accountDefault: makeAccountDefault({ ...inB, httpTokens: 'required' }),
  });
  const error = makeScanError({
    accountId: '333333333333',
    region: null,
    stage: 'credentials',
    code: 'AccessDenied',
    message: 'denied\nFAKE LINE',
  });
  return reportOf([snapshotA, snapshotB], [error]);
}

/** C0 controls other than newline, DEL and C1 controls: what a terminal could act on. */
const hasControlCharacters = (s: string): boolean =>
  [...s].some((ch) => {
    const c = ch.codePointAt(0) ?? 0;
    return (c < 0x20 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f);
  });

const laggardRows = (out: string): string[] =>
  out.split('\n').filter((l) => /^(in-use|unknown|ready) /.test(l));

describe('reportOrder', () => {
  const sorted = (findings: Finding[]) => [...findings].sort(reportOrder).map((f) => f.instanceId);

  it('puts in-use before unknown before ready before compliant before imds-disabled', () => {
    const findings = (['compliant', 'ready', 'imds-disabled', 'unknown', 'in-use'] as const).map(
      (readiness) => makeFinding({ instanceId: readiness, readiness }),
    );

    expect(sorted(findings)).toEqual(['in-use', 'unknown', 'ready', 'compliant', 'imds-disabled']);
  });

  it('ranks prod over a public IP over an IAM role within one readiness', () => {
    const findings = [
      makeFinding({ instanceId: 'none' }),
      makeFinding({ instanceId: 'iam', risk: { iamRole: true } }),
      makeFinding({ instanceId: 'public+iam', risk: { publicIp: true, iamRole: true } }),
      makeFinding({ instanceId: 'public', risk: { publicIp: true } }),
      makeFinding({ instanceId: 'prod', risk: { prod: true } }),
    ];

    expect(sorted(findings)).toEqual(['prod', 'public+iam', 'public', 'iam', 'none']);
  });

  it('lets readiness win over risk', () => {
    const findings = [
      makeFinding({ instanceId: 'ready-prod', risk: { prod: true, publicIp: true, iamRole: true } }),
      makeFinding({ instanceId: 'in-use-plain', readiness: 'in-use', usage: makeUsage({ noTokenCalls: 1 }) }),
    ];

    expect(sorted(findings)).toEqual(['in-use-plain', 'ready-prod']);
  });

  it('breaks ties by IMDSv1 calls, then account, region and instance id', () => {
    const inUse = (instanceId: string, calls: number, accountId = A, region = 'eu-west-1') =>
      makeFinding({
        instanceId,
        accountId,
        region,
        readiness: 'in-use',
        usage: makeUsage({ noTokenCalls: calls }),
      });
    const findings = [
      inUse('i-2', 5),
      inUse('i-b', 5, B),
      inUse('i-1', 5),
      inUse('i-busy', 500, B),
      inUse('i-0', 5, A, 'us-east-1'),
    ];

    expect(sorted(findings)).toEqual(['i-busy', 'i-1', 'i-2', 'i-0', 'i-b']);
  });
});

describe('csvCell', () => {
  it.each([
    { v: null, want: '' },
    { v: 42, want: '42' },
    { v: -5, want: '-5' },
    { v: true, want: 'true' },
    { v: 'plain', want: 'plain' },
    { v: 'a=b', want: 'a=b' },
    { v: 'a,b', want: '"a,b"' },
    { v: 'say "hi"', want: '"say ""hi"""' },
    { v: 'two\nlines', want: '"two\nlines"' },
    { v: 'cr\rhere', want: '"cr\rhere"' },
    { v: '=1+2', want: "'=1+2" },
    { v: '+1', want: "'+1" },
    { v: '-1', want: "'-1" },
    { v: '@SUM(A1)', want: "'@SUM(A1)" },
    { v: '\tx', want: "'\tx" },
    { v: '=a,b', want: `"'=a,b"` },
    { v: '=cmd|"/c calc"!A1', want: `"'=cmd|""/c calc""!A1"` },
    // a CSV is also read with cat/less: a terminal escape (ESC, CSI, BEL, NUL) is dropped, tab/CR/LF stay
    { v: 'red\u001b[31mtext\u0007', want: 'red[31mtext' },
    { v: 'nul\u0000\u009bhere', want: 'nulhere' },
    { v: '\u001b=1+2', want: "'=1+2" },
  ])('$v -> $want', ({ v, want }) => {
    expect(csvCell(v)).toBe(want);
  });
});

describe('formatCsv', () => {
  it('writes the header and one CRLF-terminated row per finding', () => {
    const report = fleetReport();

    const lines = formatCsv(report).split('\r\n');

    expect(lines[0]).toBe(
      'instanceId,accountId,region,name,state,readiness,httpTokens,httpEndpoint,hopLimit,owner,ownerTag,' +
        'noTokenCalls,lastSeen,asg,launchTemplateId,launchTemplateVersion,templateRisk,prod,publicIp,iamRole,' +
        'containerHost,launchTime,readinessReason,missingParts,nonProdTwin',
    );
    expect(lines.slice(1, -1).map((l) => l.split(',')[0])).toEqual(report.findings.map((f) => f.instanceId));
    expect(lines.at(-1)).toBe('');
  });

  it('writes every column of a finding, guarding formulas in tag values', () => {
    const finding = makeFinding({
      instanceId: 'i-0abc',
      name: '=HYPERLINK("http://x")',
      owner: 'team, platform',
      ownerTag: 'team',
      readiness: 'in-use',
      usage: makeUsage({ noTokenCalls: 7, lastSeen: '2025-06-14T10:05:00.000Z' }),
      asg: 'web-asg',
      launchTemplate: { id: 'lt-1', version: '3' },
      templateRisk: 'asg-unfixed-template',
      risk: { prod: true, containerHost: 'eks' },
    });

    const rows = formatCsv(reportOf([makeSnapshot({ findings: [finding] })])).split('\r\n');

    expect(rows[1]).toBe(
      `i-0abc,123456789012,eu-west-1,"'=HYPERLINK(""http://x"")",running,in-use,optional,enabled,1,` +
        '"team, platform",team,7,2025-06-14T10:05:00.000Z,web-asg,lt-1,3,asg-unfixed-template,true,false,false,' +
        'eks,2024-01-01T00:00:00.000Z,,,',
    );
  });
});

describe('formatTable', () => {
  it('starts with the summary lines', () => {
    const lines = formatTable(fleetReport()).split('\n');

    expect(lines.slice(0, 5)).toEqual([
      'INCOMPLETE: 1 of 3 scope(s) failed, their instances could not be read and are not counted (see "Failed scopes").',
      'Scan scan-20250615T060000-abc123 (default), 2025-06-15T06:00:00.000Z -> 2025-06-15T06:05:00.000Z',
      'Instances 6: 33.3% not accepting IMDSv1; laggards 4 (ready 2, in use 1, unknown 1); compliant 1; IMDS disabled 1',
      'IMDSv1 calls in the window: 42. Since the last scan: 2 new, 1 fixed, 0 regressed, 3 gone. Mean time to remediate: 3.0 days.',
      'Launch templates not enforcing: 1/3. Account defaults not enforcing: 1/2. Scopes scanned 2, partial 0, failed 1.',
    ]);
  });

  it('lists the laggards most urgent first, with usage and hints', () => {
    const rows = laggardRows(formatTable(fleetReport()));

    expect(rows.map((r) => r.split(/\s+/)[1])).toEqual([
      'i-a-in-use',
      'i-a-unknown',
      'i-b-ready-iam',
      'i-a-ready',
    ]);
    expect(rows[0]).toContain('42 (last 2025-06-14T10:05)');
    expect(rows[0]).toMatch(/prod$/);
    expect(rows[1]).toMatch(/public-ip$/);
    expect(rows[2]).toMatch(/iam-role$/);
    expect(rows[3]).toContain('alice@example.com');
  });

  it('shows at most --limit laggards and says how many more there are', () => {
    const out = formatTable(fleetReport(), 2);

    expect(laggardRows(out).map((r) => r.split(/\s+/)[1])).toEqual(['i-a-in-use', 'i-a-unknown']);
    expect(out).toContain('\n…and 2 more (--limit 0 shows all; --format csv for a spreadsheet)\n');
  });

  it('shows every laggard with --limit 0', () => {
    const out = formatTable(fleetReport(), 0);

    expect(laggardRows(out)).toHaveLength(4);
    expect(out).not.toContain('…and');
  });

  it('strips control characters and ANSI escapes from names, owners and error messages', () => {
    const out = formatTable(fleetReport());

    expect(hasControlCharacters(out)).toBe(false);
    expect(out).toContain('?[31mEVIL?[0m');
    expect(out).toContain('?bell@example.com');
    expect(out).toContain('denied?FAKE LINE');
    expect(out.split('\n').some((l) => l.startsWith('FAKE LINE'))).toBe(false);
  });

  it('lists the templates, account defaults and errors that need attention', () => {
    const out = formatTable(fleetReport());
    const sectionAfter = (heading: string) => out.slice(out.indexOf(heading)).split('\n\n')[0] ?? '';

    const templates = sectionAfter('Launch templates whose default version does not require IMDSv2:');
    expect(templates).toContain('lt-unset');
    expect(templates).not.toContain('lt-required');
    expect(templates).not.toContain('lt-inherits');
    const defaults = sectionAfter('Account defaults that let new instances accept IMDSv1:');
    expect(defaults).toMatch(new RegExp(`${A}\\s+eu-west-1\\s+optional\\s+account`));
    expect(defaults).not.toContain(B);
    const errors = sectionAfter('Failed scopes (1): no instances read, missing from every figure');
    expect(errors).toMatch(/333333333333\s+\(all\)\s+credentials\s+AccessDenied\s+denied\?FAKE LINE/);
  });

  it('says which parts of which scope are missing, and why usage is unknown', () => {
    const unreadable = makeFinding({
      readiness: 'unknown',
      usage: null,
      readinessReason: 'usage unreadable: GetMetricData HTTP 403 AccessDenied',
    });
    const missing = makeScanError({
      stage: 'usage',
      partial: true,
      code: 'AccessDenied',
      message: 'IMDSv1 usage in 123456789012/eu-west-1: GetMetricData HTTP 403 AccessDenied: no',
    });

    const report = reportOf([makeSnapshot({ findings: [unreadable] })], [missing]);
    const out = formatTable(report);

    expect(out.split('\n')[0]).toMatch(/^Scan /);
    expect(out).toContain('Scopes scanned 0, partial 1, failed 0.');
    expect(out).toMatch(/Partial scopes \(1\): instances kept, these parts missing\n/);
    expect(out).toMatch(/123456789012\s+eu-west-1\s+usage\s+AccessDenied\s+IMDSv1 usage in/);
    expect(laggardRows(out)[0]).toMatch(/unknown\s+i-\S+.*unreadable/);
    expect(formatCsv(report).split('\r\n')[1]).toMatch(
      /,usage unreadable: GetMetricData HTTP 403 AccessDenied,usage,$/,
    );
  });

  it('never calls a scan that saw no instance "100%": n/a, and the failure first', () => {
    const failed = makeScanError({
      code: 'NonAwsResponse',
      message: 'DescribeInstances: HTTP 500 non-AWS response body',
    });

    const lines = formatTable(reportOf([], [failed])).split('\n');

    expect(lines[0]).toMatch(/^INCOMPLETE: 1 of 1 scope\(s\) failed/);
    expect(lines[2]).toMatch(/^Instances 0: n\/a not accepting IMDSv1/);
  });

  it('prints only the summary when nothing needs attention', () => {
    const snapshot = makeSnapshot({
      findings: [makeFinding({ readiness: 'compliant', httpTokens: 'required', usage: null })],
      accountDefault: makeAccountDefault({ httpTokens: 'required' }),
    });

    const out = formatTable(reportOf([snapshot]));

    expect(out.split('\n')).toHaveLength(5);
    expect(out.endsWith('failed 0.\n')).toBe(true);
  });
});

describe('formatJson', () => {
  it('round-trips the report', () => {
    const report = fleetReport();

    const json = formatJson(report);

    expect(json.endsWith('}\n')).toBe(true);
    expect(JSON.parse(json)).toEqual(report);
  });
});
