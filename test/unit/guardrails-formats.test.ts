import { describe, expect, it } from 'vitest';
import { guardrailsView } from '../../src/domain/guardrails/view.js';
import { formatJson } from '../../src/report/format.js';
import { GUARDRAILS_CSV_COLUMNS, guardrailsChunks } from '../../src/report/guardrails-formats.js';
import { guardrailsJson } from '../../src/report/guardrails-json.js';
import { buildReport } from '../../src/report/report.js';
import { makeAccountDefault, makeFinding, makeLaunchTemplate, makeSnapshot } from '../support/factories.js';

const A = '111111111111';
const B = '222222222222';

const org = {
  scanId: 'scan-1',
  readAt: '2026-12-01T00:00:00.000Z',
  units: [{ id: 'r-1', name: 'Root', parentId: null }],
  accounts: [
    { id: A, name: '@SUM(1+1)', parentId: 'r-1' },
    { id: B, name: 'b', parentId: 'r-1' },
  ],
  policies: [
    {
      id: 'p-00000001',
      name: 'require',
      type: 'SERVICE_CONTROL_POLICY' as const,
      content: JSON.stringify({
        Statement: [
          {
            Effect: 'Deny',
            Action: 'ec2:RunInstances',
            Resource: '*',
            Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
          },
        ],
      }),
      targets: [A],
    },
  ],
  partial: [{ what: 'DECLARATIVE_POLICY_EC2', code: 'AccessDenied', message: 'no' }],
};

function view() {
  const a = makeSnapshot({
    accountId: A,
    findings: [makeFinding({ accountId: A, readiness: 'in-use' })],
    accountDefault: makeAccountDefault({ accountId: A, httpTokens: 'required' }),
  });
  const b = makeSnapshot({
    accountId: B,
    region: 'us-east-1',
    accountDefault: null,
    launchTemplates: [
      makeLaunchTemplate({
        accountId: B,
        region: 'us-east-1',
        launchTemplateId: 'lt-0000000000000000b',
        name: '=cmd|"/C calc"!A0, \u202eevil',
        httpTokens: 'optional',
        defaultVersion: 3,
      }),
    ],
  });
  return guardrailsView([b, a], org);
}

const csvRows = () =>
  (guardrailsChunks(view(), 'csv').join('') as string).split('\r\n').filter((l) => l !== '');

describe('guardrails formats', () => {
  it('json: the documented object, every field named, the organization mapped', () => {
    const j = JSON.parse(guardrailsChunks(view(), 'json').join(''));
    expect(j).toEqual(guardrailsJson(view()));
    expect(Object.keys(j)).toEqual(['version', 'questions', 'scopes', 'organization']);
    expect(j.scopes.map((s: { accountId: string; region: string }) => `${s.accountId}/${s.region}`)).toEqual([
      `${A}/eu-west-1`,
      `${B}/us-east-1`,
    ]);
    expect(j.scopes[1]).toEqual({
      accountId: B,
      region: 'us-east-1',
      laggards: 0,
      missing: [],
      accountDefault: null,
      templates: [
        {
          launchTemplateId: 'lt-0000000000000000b',
          name: '=cmd|"/C calc"!A0, \u202eevil',
          version: 3,
          which: 'default',
          httpTokens: 'optional',
          groups: [],
        },
      ],
      amis: [],
    });
    expect(j.scopes[0].accountDefault).toEqual({
      httpTokens: 'required',
      managedBy: expect.any(String),
      requiresTokens: true,
      fixable: false,
      exceptionMessage: null,
    });
    expect(j.organization).toMatchObject({
      scanId: 'scan-1',
      unreadable: ['DECLARATIVE_POLICY_EC2: AccessDenied'],
    });
    expect(j.organization.accounts[0]).toMatchObject({
      accountId: A,
      protections: [
        { kind: 'launch-requires-tokens', policyId: 'p-00000001', policyName: 'require', attachedTo: A },
      ],
      declarativeRequiresTokens: false,
    });
    expect(j.organization.unprotectedOus).toEqual([{ id: 'r-1', name: 'Root', path: ['r-1'] }]);
  });

  it('csv: one row per fact with its kind; formula cells guarded, commas and quotes quoted, bidi dropped', () => {
    const rows = csvRows();
    expect(rows[0]).toBe(GUARDRAILS_CSV_COLUMNS.join(','));
    expect(rows.map((r) => r.split(',')[0])).toEqual([
      'kind',
      'account-default',
      'account-default',
      'template',
      'org-account',
      'org-account',
      'org-unprotected-ou',
      'org-unreadable',
    ]);
    expect(rows[2]).toBe(`account-default,${B},us-east-1,,,,,,,,,0,,,,,account default unreadable`);
    expect(rows[3]).toBe(
      `template,${B},us-east-1,lt-0000000000000000b,"'=cmd|""/C calc""!A0, evil",3,default,optional,,,,,,,,,`,
    );
    expect(rows[4]?.startsWith(`org-account,${A},,,'@SUM(1+1),,,,,false,,,,,launch-requires-tokens,`)).toBe(
      true,
    );
    expect(rows[7]).toBe('org-unreadable,,,,,,,,,,,,,,,,DECLARATIVE_POLICY_EC2: AccessDenied');
  });

  it('table: the report section without its leading blank line; report JSON carries the object as guardrails', () => {
    const [table] = guardrailsChunks(view(), 'table');
    expect(table?.split('\n')[0]).toBe('Guardrails');
    expect(table).not.toContain('\u202e');
    const r = buildReport(
      {
        scanId: 's',
        workflow: 'w',
        startedAt: '',
        finishedAt: '',
        summary: {} as never,
        diff: {} as never,
        firstScan: false,
        mttrSeconds: null,
        errors: [],
      },
      [],
      { guardrails: guardrailsJson(view()) },
    );
    expect(JSON.parse(formatJson(r)).guardrails).toEqual(guardrailsJson(view()));
  });
});
