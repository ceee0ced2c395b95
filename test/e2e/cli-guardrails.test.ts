import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { runCli } from '../support/cli-process.js';
import {
  BATCH_LT,
  guardrailsFleet,
  LEGACY_AMI,
  PROD,
  REGION,
  SANDBOX,
  WEB_LT,
} from '../support/guardrails-fleet.js';
import { testEnv } from '../support/harness.js';

const HOSTILE_LT = 'lt-0000000000000bad1';
const HOSTILE_NAME = '=HYPERLINK("http://x")\u001b[31mred';

/**
 * `imds-bot guardrails`, the real CLI process against the emulator's organization (guardrails
 * fleet: prod OU with the SCP and declarative default, sandbox OU with neither and weak templates)
 * and real Redis: table, JSON (also inside `report --format json`), CSV, --help, and exit 2 before
 * any scan is stored.
 */
describe('imds-bot guardrails (the command, as a separate process)', () => {
  let emulator: AwsEmulator;
  let env: Record<string, string>;
  let workflow: string;
  let dir: string;
  const g = guardrailsFleet();

  beforeAll(async () => {
    // a template whose name a hostile tagger chose: a spreadsheet formula and a terminal escape
    g.fleet.addLaunchTemplate({
      accountId: SANDBOX,
      region: REGION,
      launchTemplateId: HOSTILE_LT,
      name: HOSTILE_NAME,
      versions: [{ imageId: LEGACY_AMI, metadataOptions: { httpTokens: 'optional' } }],
    });
    emulator = await startAwsEmulator({ fleet: g.fleet, throttle: false });
    dir = mkdtempSync(join(tmpdir(), 'imds-guardrails-'));
    workflow = join(dir, 'org.yaml');
    writeFileSync(
      workflow,
      `version: 1\nname: org\nscope:\n  accounts:\n    organization:\n      roleName: ImdsBotScanner\n  regions: [${REGION}]\n`,
    );
    env = {
      ...(process.env as Record<string, string>),
      ...testEnv(),
      AWS_ENDPOINT_URL: emulator.url,
      AWS_ACCESS_KEY_ID: 'TESTKEY-HUBTESTKEY000001',
      AWS_SECRET_ACCESS_KEY: 'hub-secret',
    };
  });
  afterAll(async () => emulator?.close());

  it('--help lists its options and exit statuses; an unknown option names the valid ones', async () => {
    const help = await runCli(env, ['guardrails', '--help']);
    expect(help.code).toBe(0);
    for (const o of ['--format FORMAT', '--account ID', '--region NAME', '--output FILE', '--workflow FILE'])
      expect(help.stdout).toContain(o);
    expect(help.stdout).toContain('table | json | csv');
    expect(help.stdout).toMatch(/Exit status:\n {2}0 shown\n {2}2 bad usage, or no scan stored yet/);
    const bad = await runCli(env, ['guardrails', '--limit', '3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "Unknown option '--limit'; its options: --workflow, --format, --account, --region, --output, --help",
    );
    const ocsf = await runCli(env, ['guardrails', '--workflow', workflow, '--format', 'ocsf']);
    expect(ocsf.code).toBe(2);
    expect(ocsf.stderr).toContain('--format must be one of table, json, csv, not "ocsf"');
  });

  it('exits 2 and says to scan first when no scan is stored yet', async () => {
    const r = await runCli(env, ['guardrails', '--workflow', workflow, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('No scan has been stored yet: run `imds-bot scan` first.');
  });

  it('after a scan: the table, JSON and CSV say the same, hostile names escaped', async () => {
    const scan = await runCli(env, ['scan', '--workflow', workflow, '--format', 'json']);
    expect(scan.code).toBe(0);
    expect(JSON.parse(scan.stdout).guardrails.scopes).toHaveLength(2);

    const table = await runCli(env, ['guardrails', '--workflow', workflow]);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toBe('Guardrails');
    expect(table.stdout).toContain('  Instances allowing IMDSv1: 2');
    expect(table.stdout).toContain('  SCP blocking IMDSv1 launches: 1 of 3 accounts');
    expect(table.stdout).toContain(
      '  New launches configured for IMDSv2 (account default): 1 of 2 account x regions',
    );
    expect(table.stdout).toContain('  Launch templates allowing IMDSv1: 3');
    expect(table.stdout).toContain(
      `    template batch ${BATCH_LT} v1 (default): HttpTokens not set; groups: batch-asg`,
    );
    expect(table.stdout).toContain(
      `    template =HYPERLINK("http://x")?[31mred ${HOSTILE_LT} v1 (default): HttpTokens optional; groups: none`,
    );
    expect(table.stdout).not.toContain('\u001b');
    expect(table.stdout).toContain(`  play <b>& (${SANDBOX}): no protection`);
    expect(table.stdout).toMatch(new RegExp(`payments \\(${PROD}\\): [^\\n]*launch-requires-tokens`));

    const json = await runCli(env, ['guardrails', '--workflow', workflow, '--format', 'json']);
    expect(json.code).toBe(0);
    const v = JSON.parse(json.stdout);
    expect(Object.keys(v)).toEqual(['version', 'questions', 'scopes', 'organization']);
    expect(v.version).toBe(1);
    expect(v.questions).toEqual({
      instancesAllowingV1: 2,
      scopesRequiringTokens: 1,
      scopes: 2,
      templatesAllowingV1: 3,
      accountsWithLaunchScp: 1,
      // the management account, payments, play
      accounts: 3,
    });
    const sandbox = v.scopes.find((s: { accountId: string }) => s.accountId === SANDBOX);
    expect(sandbox.accountDefault).toMatchObject({
      httpTokens: 'no-preference',
      fixable: true,
      requiresTokens: false,
    });
    expect(
      sandbox.templates.map((t: { launchTemplateId: string; name: string }) => [t.launchTemplateId, t.name]),
    ).toEqual([
      [BATCH_LT, 'batch'],
      [WEB_LT, 'web'],
      [HOSTILE_LT, HOSTILE_NAME],
    ]);
    expect(sandbox.amis).toEqual([
      { imageId: LEGACY_AMI, name: 'legacy-<al2>', described: true, instances: [...g.laggards].sort() },
    ]);
    const prod = v.scopes.find((s: { accountId: string }) => s.accountId === PROD);
    expect(prod.accountDefault).toMatchObject({ managedBy: 'declarative-policy', requiresTokens: true });
    expect(v.organization.accounts.find((a: { accountId: string }) => a.accountId === PROD)).toMatchObject({
      name: 'payments',
      protections: expect.arrayContaining([
        expect.objectContaining({ kind: 'launch-requires-tokens', policyName: 'require-imdsv2-at-launch' }),
      ]),
      declarativeRequiresTokens: true,
    });
    expect(v.organization.unprotectedOus.map((o: { name: string }) => o.name)).toContain('sandbox');

    // the report's JSON carries the same object
    const report = await runCli(env, ['report', '--workflow', workflow, '--format', 'json']);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout).guardrails).toEqual(v);
    // and its CSV stays the findings
    const reportCsv = await runCli(env, ['report', '--workflow', workflow, '--format', 'csv']);
    expect(reportCsv.stdout.split('\r\n')[0]).toMatch(/^instanceId,accountId,region,/);

    const csvFile = join(dir, 'guardrails.csv');
    const csv = await runCli(env, ['guardrails', '--workflow', workflow, '--output', csvFile]);
    expect(csv.code).toBe(0);
    expect(csv.stderr).toContain(`Guardrails (csv) written to ${csvFile}`);
    const rows = readFileSync(csvFile, 'utf8').trim().split('\r\n');
    expect(rows[0]).toBe(
      'kind,accountId,region,id,name,version,which,httpTokens,managedBy,requiresTokens,fixable,laggards,groups,instances,protections,missing,note',
    );
    expect(rows).toContain(`template,${SANDBOX},${REGION},${BATCH_LT},batch,1,default,,,,,,batch-asg,,,,`);
    expect(rows).toContain(
      `account-default,${PROD},${REGION},,,,,required,declarative-policy,true,false,0,,,,,`,
    );
    // the hostile name: quoted, a leading ' so a spreadsheet does not run it, the ESC dropped
    expect(rows).toContain(
      `template,${SANDBOX},${REGION},${HOSTILE_LT},"'=HYPERLINK(""http://x"")[31mred",1,default,optional,,,,,,,,,`,
    );
    expect(rows).toContain(
      `account-default,${SANDBOX},${REGION},,,,,no-preference,account,false,true,2,,,,,`,
    );
    expect(rows).toContain(
      `ami,${SANDBOX},${REGION},${LEGACY_AMI},legacy-<al2>,,,,,,,,,${[...g.laggards].sort().join(';')},,,`,
    );
    expect(rows.find((r) => r.startsWith(`org-account,${SANDBOX},`))).toMatch(
      /^org-account,\d+,,,play <b>&,/,
    );
    expect(rows).toContain(
      `org-account,${PROD},,,payments,,,,,true,,,,,launch-requires-tokens;hop-limit-max,modify-restricted;role-delivery-v2,r-1111/ou-1111-00000001`,
    );
    expect(rows.some((r) => r.startsWith('org-unprotected-ou,') && r.includes(',sandbox,'))).toBe(true);

    // --account narrows the scopes
    const one = await runCli(env, [
      'guardrails',
      '--workflow',
      workflow,
      '--format',
      'json',
      '--account',
      PROD,
    ]);
    expect(JSON.parse(one.stdout).scopes.map((s: { accountId: string }) => s.accountId)).toEqual([PROD]);
    const none = await runCli(env, ['guardrails', '--workflow', workflow, '--region', 'us-west-2']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('No scan has been stored yet of region us-west-2');
  });

  it('exits 3 and names what is missing where when the latest scan could not read a part', async () => {
    // the role may not call GetInstanceMetadataDefaults: every inventory is read, the defaults are not
    emulator.setOperationFault('ec2:GetInstanceMetadataDefaults', 'access-denied');
    try {
      const scan = await runCli(env, ['scan', '--workflow', workflow, '--format', 'json']);
      expect(scan.code).toBe(3);
    } finally {
      emulator.setOperationFault('ec2:GetInstanceMetadataDefaults', null);
    }

    const table = await runCli(env, ['guardrails', '--workflow', workflow]);
    expect(table.code).toBe(3);
    expect(table.stdout).toContain(`  ${PROD}/${REGION}: default unreadable`);
    expect(table.stdout).toContain('    not read by the last scan here: account-default');
    expect(table.stderr).toContain(
      `Incomplete: the latest scan could not read some parts in 2 of 2 account x regions (account-default); run \`imds-bot scan\` again once they can be read.`,
    );
    const json = await runCli(env, ['guardrails', '--workflow', workflow, '--format', 'json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).scopes.map((s: { missing: string[] }) => s.missing)).toEqual([
      ['account-default'],
      ['account-default'],
    ]);
  });
});
