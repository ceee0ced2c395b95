import { describe, expect, it } from 'vitest';
import { nonProdTwinsOf } from '../../src/app/report/nonprod-twins.js';
import { Workflow } from '../../src/config/workflow-schema.js';
import type { AuditBody } from '../../src/domain/change/audit-chain.js';
import { summarize } from '../../src/domain/findings/summary.js';
import { possibleTwins, twinCandidates } from '../../src/domain/fixes/twins.js';
import { formatCsv, formatJson, formatTable } from '../../src/report/format.js';
import { buildReport } from '../../src/report/report.js';
import { ACCOUNT_ID, makeFinding, makeSnapshot, REGION } from '../support/factories.js';
import { memoryAudit } from '../support/fakes/change-stores.js';

const environment = Workflow.shape.environment.parse(undefined);
const prod = (app: string, extra = {}) =>
  makeFinding({ tags: { Environment: 'prod', app }, risk: { prod: true }, ...extra });
const dev = (app: string, extra = {}) =>
  makeFinding({
    tags: { Environment: 'dev', app },
    httpTokens: 'required',
    readiness: 'compliant',
    ...extra,
  });

function auditBody(type: AuditBody['type'], instanceId: string, after: AuditBody['after'] = null): AuditBody {
  return {
    at: '2026-11-01T00:00:00.000Z',
    type,
    actor: { system: 'test' },
    target: { accountId: ACCOUNT_ID, region: REGION, resource: instanceId },
    requestId: 'CR-1',
    before: null,
    after,
    reason: null,
    awsRequestId: null,
    jobId: null,
    card: null,
  };
}

describe('twin candidates: environment from the workflow tags, unknown left out', () => {
  it('reads prod / non-prod from the tags and enforcement from the tokens or the bot', () => {
    const p = prod('shop');
    const d = dev('shop', { httpTokens: 'optional', readiness: 'ready' });
    const untagged = makeFinding({ tags: { app: 'shop' }, httpTokens: 'required' });
    const disabled = dev('shop', { httpEndpoint: 'disabled' });
    const rows = [p, d, untagged, disabled].map((f) => ({ ...f, laggard: f.readiness === 'ready' }));
    expect(twinCandidates(rows, environment).map((c) => [c.instanceId, c.prod, c.enforced])).toEqual([
      [p.instanceId, true, false],
      [d.instanceId, false, false],
      [disabled.instanceId, false, false],
    ]);
    const byBot = twinCandidates(rows, environment, new Set([d.instanceId]));
    expect(byBot.find((c) => c.instanceId === d.instanceId)?.enforced).toBe(true);
  });

  it('only the non-production instances sharing an app value with a production laggard need their audit read', () => {
    const rows = [prod('shop'), dev('shop'), dev('other'), prod('other', { readiness: 'compliant' })].map(
      (f) => ({
        ...f,
        laggard: f.readiness === 'ready',
      }),
    );
    expect(possibleTwins(twinCandidates(rows, environment), ['app', 'Name'])).toEqual([rows[1]?.instanceId]);
  });
});

describe('nonProdTwinsOf: the audit trail and the rejected calls decide "without breakage"', () => {
  it('counts a twin that requires tokens or that the bot enforced; not one rolled back or rejecting calls', async () => {
    const audit = memoryAudit();
    const laggards = ['fine', 'by-bot', 'rolled', 'rejecting', 'alone'].map((app) => prod(app));
    const fine = dev('fine');
    const byBot = dev('by-bot', { httpTokens: 'optional', readiness: 'ready' });
    const rolled = dev('rolled');
    const rejecting = dev('rejecting');
    await audit.append(auditBody('verified', byBot.instanceId, { httpTokens: 'required' }));
    await audit.append(auditBody('verified', rolled.instanceId, { httpTokens: 'required' }));
    await audit.append(auditBody('rolled-back', rolled.instanceId));
    const snap = makeSnapshot({
      findings: [...laggards, fine, byBot, rolled, rejecting],
      rejectedCalls: [rejecting.instanceId],
    });
    const t = await nonProdTwinsOf({ audit, environment }, [snap]);
    expect(t).toEqual({
      prodLaggards: 5,
      withTwin: 2,
      pairs: [
        { instanceId: laggards[0]?.instanceId, twinId: fine.instanceId, key: 'app', value: 'fine' },
        { instanceId: laggards[1]?.instanceId, twinId: byBot.instanceId, key: 'app', value: 'by-bot' },
      ],
    });
  });

  it('the report shows the count in its table, JSON and CSV, tag values made safe', async () => {
    const laggard = prod('=cmd|evil\u001b[31m');
    const twin = dev('=cmd|evil\u001b[31m');
    const snap = makeSnapshot({ findings: [laggard, twin] });
    const nonProdTwins = await nonProdTwinsOf({ audit: memoryAudit(), environment }, [snap]);
    const outcome = {
      scanId: 's',
      workflow: 'w',
      startedAt: '2026-11-01T00:00:00.000Z',
      finishedAt: '2026-11-01T00:01:00.000Z',
      summary: summarize([snap], []),
      diff: { new: 0, fixed: 0, regressed: 0, gone: 0 },
      firstScan: false,
      mttrSeconds: null,
      errors: [],
    };
    const r = buildReport(outcome, [snap], { nonProdTwins });
    const table = formatTable(r);
    expect(table).toContain(
      'Production laggards with a non-production twin (same app tag or Name) already enforced without breakage: 1 of 1, the safest to enforce next.',
    );
    expect(table).toMatch(
      new RegExp(`${laggard.instanceId}\\s+${twin.instanceId}\\s+app==cmd\\|evil\\?\\[31m`),
    );
    expect(table).not.toContain('\u001b');
    expect(JSON.parse(formatJson(r)).nonProdTwins).toEqual(nonProdTwins);
    const [header, ...rows] = formatCsv(r).trim().split('\r\n');
    expect(header?.endsWith(',missingParts,nonProdTwin')).toBe(true);
    expect(rows.find((l) => l.startsWith(laggard.instanceId))?.endsWith(`,${twin.instanceId}`)).toBe(true);
    expect(rows.find((l) => l.startsWith(twin.instanceId))?.endsWith(',')).toBe(true);
  });
});
