import { describe, expect, it } from 'vitest';
import type { ScopeSnapshot } from '../../src/domain/findings/model.js';
import type { ScanOutcome } from '../../src/domain/findings/scan.js';
import { summarize } from '../../src/domain/findings/summary.js';
import { ASFF_REQUIRED, ASFF_SCHEMA_VERSION, asffFinding, asffFindings } from '../../src/report/asff.js';
import { reportChunks } from '../../src/report/format.js';
import { OCSF_REQUIRED, ocsfFinding } from '../../src/report/ocsf.js';
import { buildReport, type Report } from '../../src/report/report.js';
import { makeFinding, makeSnapshot, makeUsage } from '../support/factories.js';

const AT = '2026-12-01T06:05:00.000Z';

function reportOf(snapshots: ScopeSnapshot[]): Report {
  const outcome: ScanOutcome = {
    scanId: 'scan-1',
    workflow: 'default',
    trigger: { kind: 'cli', by: null },
    startedAt: '2026-12-01T06:00:00.000Z',
    finishedAt: AT,
    scopes: snapshots.map((s) => ({ accountId: s.accountId, region: s.region })),
    summary: summarize(snapshots, []),
    diff: { new: 0, fixed: 0, regressed: 0, gone: 0 },
    firstScan: true,
    mttrSeconds: null,
    remediated: 0,
    rejections: [],
    errors: [],
  };
  return buildReport(outcome, snapshots);
}

const risky = makeFinding({
  instanceId: 'i-0aaaaaaaaaaaaaaa1',
  readiness: 'in-use',
  name: 'web "front"\n<script>',
  owner: 'alice@example.com',
  usage: makeUsage({ noTokenCalls: 42, lastSeen: '2026-11-30T10:00:00.000Z' }),
  risk: { iamRole: true, publicIp: true, prod: false, containerHost: null },
  tags: { Name: 'web', team: '=HYPERLINK("x")' },
});
const fixed = makeFinding({
  instanceId: 'i-0bbbbbbbbbbbbbbb2',
  readiness: 'compliant',
  httpTokens: 'required',
});
const noRole = makeFinding({ instanceId: 'i-0ccccccccccccccc3', readiness: 'ready' });
const china = makeFinding({ instanceId: 'i-0ddddddddddddddd4', readiness: 'unknown', region: 'cn-north-1' });

/** Every required attribute is present and not empty. */
function expectRequired(doc: Record<string, unknown>, required: readonly string[]) {
  for (const key of required) {
    expect(doc, key).toHaveProperty(key);
    const v = doc[key];
    expect(v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0), key).toBe(
      false,
    );
  }
}

describe('ASFF (Security Hub findings)', () => {
  it('carries every required top-level attribute, for a laggard and a fixed instance alike', () => {
    for (const f of [risky, fixed, noRole, china]) {
      const doc = asffFinding(f, AT) as unknown as Record<string, unknown>;
      expectRequired(doc, ASFF_REQUIRED);
      expect(doc.SchemaVersion).toBe(ASFF_SCHEMA_VERSION);
    }
  });

  it('names the instance by ARN, in its partition, with a product ARN of the importing account', () => {
    const doc = asffFinding(china, AT);
    expect(doc.Resources[0]?.Id).toBe(
      `arn:aws-cn:ec2:cn-north-1:${china.accountId}:instance/${china.instanceId}`,
    );
    expect(doc.ProductArn).toBe(
      `arn:aws-cn:securityhub:cn-north-1:${china.accountId}:product/${china.accountId}/default`,
    );
    const viaHub = asffFinding(risky, AT, { importer: { accountId: '999999999999', region: 'us-east-1' } });
    expect(viaHub.ProductArn).toBe('arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default');
    expect(viaHub.AwsAccountId).toBe(risky.accountId);
  });

  it('grades severity by what IMDSv1 exposes and resolves fixed instances', () => {
    expect(asffFinding(risky, AT).Severity.Label).toBe('HIGH');
    expect(asffFinding(noRole, AT).Severity.Label).toBe('LOW');
    const done = asffFinding(fixed, AT);
    expect(done.Severity.Label).toBe('INFORMATIONAL');
    expect(done.Compliance.Status).toBe('PASSED');
    expect(done.Workflow.Status).toBe('RESOLVED');
    expect(asffFinding(risky, AT).Compliance.Status).toBe('FAILED');
  });

  it('keeps the same Id across scans, so a re-export updates the finding', () => {
    expect(asffFinding(risky, AT).Id).toBe(asffFinding(risky, '2026-12-02T06:00:00.000Z').Id);
    expect(asffFinding(risky, AT).Id).not.toBe(asffFinding(noRole, AT).Id);
  });

  it('stays within the API limits and carries readiness, owner and v1 use', () => {
    const long = makeFinding({
      name: 'x'.repeat(5000),
      readiness: 'in-use',
      readinessReason: 'y'.repeat(3000),
    });
    const doc = asffFinding(long, AT);
    expect(doc.Title.length).toBeLessThanOrEqual(256);
    expect(doc.Description.length).toBeLessThanOrEqual(1024);
    expect(doc.Remediation.Recommendation.Text.length).toBeLessThanOrEqual(512);
    expect(Object.keys(doc.ProductFields).length).toBeLessThanOrEqual(50);
    const r = asffFinding(risky, AT);
    expect(r.ProductFields['imds-bot/readiness']).toBe('in-use');
    expect(r.ProductFields['imds-bot/owner']).toBe('alice@example.com');
    expect(r.ProductFields['imds-bot/noTokenCalls']).toBe('42');
  });

  it('--format asff writes a JSON array that parses back to one finding per instance', () => {
    const report = reportOf([makeSnapshot({ findings: [risky, fixed, noRole] })]);
    const text = [...reportChunks(report, 'asff')].join('');
    const parsed = JSON.parse(text) as { Id: string; Title: string }[];
    expect(parsed).toEqual(JSON.parse(JSON.stringify(asffFindings(report))));
    expect(parsed).toHaveLength(3);
    // a hostile name is data inside JSON, never structure
    expect(parsed.find((p) => p.Id.includes(risky.instanceId))?.Title).toContain(risky.instanceId);
  });
});

describe('OCSF Compliance Finding', () => {
  it('carries every attribute the class, its base event and the cloud profile require', () => {
    for (const f of [risky, fixed, noRole, china]) {
      const doc = ocsfFinding(f, AT) as unknown as Record<string, unknown>;
      expectRequired(doc, OCSF_REQUIRED);
      const d = ocsfFinding(f, AT);
      expect(d.class_uid).toBe(2003);
      expect(d.category_uid).toBe(2);
      expect(d.type_uid).toBe(d.class_uid * 100 + d.activity_id);
      expect(d.metadata.product.name).toBe('imds-bot');
      expect(d.metadata.version).toMatch(/^1\.\d+\.\d+$/);
      expect(d.finding_info.uid).not.toBe('');
      expect(d.finding_info.title).not.toBe('');
      expect(d.compliance.standards.length).toBeGreaterThan(0);
      expect(d.cloud.provider).toBe('AWS');
      expect(Number.isInteger(d.time)).toBe(true);
    }
  });

  it('fails laggards and passes fixed instances, with severity and status ids in range', () => {
    const bad = ocsfFinding(risky, AT);
    expect(bad.compliance.status_id).toBe(3);
    expect(bad.status_id).toBe(1);
    expect(bad.severity_id).toBe(4);
    const good = ocsfFinding(fixed, AT);
    expect(good.compliance.status_id).toBe(1);
    expect(good.status_id).toBe(4);
    expect(good.severity_id).toBe(1);
    expect(ocsfFinding(risky, AT).resources[0]?.uid).toBe(
      `arn:aws:ec2:${risky.region}:${risky.accountId}:instance/${risky.instanceId}`,
    );
    expect(ocsfFinding(risky, AT).unmapped.noTokenCalls).toBe(42);
  });

  it('--format ocsf writes one document per line (JSON Lines)', () => {
    const report = reportOf([makeSnapshot({ findings: [risky, fixed] })]);
    const lines = [...reportChunks(report, 'ocsf')].join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const docs = lines.map((l) => JSON.parse(l) as { finding_info: { uid: string } });
    expect(docs.map((d) => d.finding_info.uid)).toEqual(
      report.findings.map((f) => `imds-bot/${f.accountId}/${f.region}/${f.instanceId}/imdsv1`),
    );
  });
});
