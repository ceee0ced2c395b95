import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { runCli } from '../support/cli-process.js';
import { hubEnv, testEnv } from '../support/harness.js';

const run = promisify(execFile);
const OK = '777777777777';
const DENIED = '888888888888';
const DAY = 86_400_000;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('imds-bot (the command, as a separate process)', () => {
  let emulator: AwsEmulator;
  let dir: string;
  let env: Record<string, string>;

  const cli = async (...args: string[]): Promise<CliResult> => {
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli/index.ts', ...args],
        {
          env,
          maxBuffer: 64 << 20,
        },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  const workflowFile = (name: string, accounts: string[]) => {
    const file = join(dir, `${name}.yaml`);
    const list = accounts
      .map((id) => `    - id: "${id}"\n      roleArn: arn:aws:iam::${id}:role/ImdsBotScanner`)
      .join('\n');
    writeFileSync(
      file,
      `version: 1\nname: ${name}\nscope:\n  accounts:\n${list}\n  regions: [eu-west-1, eu-north-1]\n`,
    );
    return file;
  };

  beforeAll(async () => {
    const fleet = new Fleet({ seed: 9 });
    fleet.addAccount({ id: OK, regions: ['eu-west-1', 'eu-north-1'] });
    fleet.addAccount({ id: DENIED, regions: ['eu-west-1'], denyAssumeRole: true });
    const old = new Date(Date.now() - 30 * DAY);
    fleet.addInstance({
      accountId: OK,
      region: 'eu-west-1',
      launchTime: old,
      tags: { Name: '=HYPERLINK("evil")', Owner: 'ops@example.com' },
    });
    fleet.addInstance({
      accountId: OK,
      region: 'eu-west-1',
      launchTime: old,
      tags: { Name: 'term\u001b[31mred' },
      usage: { kind: 'steady', callsPerHour: 1 },
    });
    fleet.addInstance({
      accountId: OK,
      region: 'eu-north-1',
      launchTime: old,
      metadata: { httpTokens: 'required' },
    });
    emulator = await startAwsEmulator({ fleet, throttle: false });
    dir = mkdtempSync(join(tmpdir(), 'imds-cli-'));
    env = {
      ...(process.env as Record<string, string>),
      ...testEnv(),
      ...hubEnv(emulator.url),
    };
  });
  afterAll(async () => emulator?.close());

  it('scan --format json prints the summary, every finding and no errors', async () => {
    const r = await cli('scan', '--workflow', workflowFile('json', [OK]), '--format', 'json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary).toMatchObject({
      instances: 3,
      laggards: 2,
      byReadiness: { ready: 1, 'in-use': 1, compliant: 1 },
    });
    expect(report.findings[0]).toEqual(
      expect.objectContaining({
        readiness: 'in-use',
        httpTokens: 'optional',
        httpEndpoint: 'enabled',
        hopLimit: 1,
        asg: null,
        launchTemplate: null,
      }),
    );
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(['summary', 'findings', 'launchTemplates', 'accountDefaults', 'errors']),
    );
    expect(report.errors).toEqual([]);
    expect(r.stderr).toMatch(/finished, 2\/2 scopes scanned, 0 partial, 0 error/);
  });

  it('scan --format csv guards against spreadsheet formulas', async () => {
    const r = await cli('scan', '--workflow', workflowFile('csv', [OK]), '--format', 'csv');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\r\n');
    expect(lines[0]).toMatch(/^instanceId,accountId,region,name,state,readiness,/);
    expect(lines).toHaveLength(4);
    expect(r.stdout).toContain(`"'=HYPERLINK(""evil"")"`);
  });

  it('scan --format table strips terminal escapes from tags', async () => {
    const r = await cli('scan', '--workflow', workflowFile('table', [OK]));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Laggards \(HttpTokens optional\)/);
    expect(r.stdout).toContain('term?[31mred');
    expect(r.stdout).not.toContain('\u001b');
  });

  it('exits 1 and lists the failed scope when an account cannot be assumed', async () => {
    const r = await cli('scan', '--workflow', workflowFile('denied', [OK, DENIED]), '--format', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).errors).toEqual([
      expect.objectContaining({ accountId: DENIED, code: 'AccessDenied' }),
    ]);
    expect(r.stderr).toContain(`${DENIED}/(all regions)`);
  });

  it('report prints the latest stored scan without calling AWS', async () => {
    emulator.resetStats();
    const r = await cli('report', '--format', 'json');
    expect(r.code).toBe(1); // the last scan (above) had a failed account
    expect(JSON.parse(r.stdout).summary.instances).toBe(3);
    expect(emulator.stats().calls).toBe(0);
  });

  it('exits 3 and names the missing part when only a part could not be read', async () => {
    // a part every scope reads (no instance here was launched by an Auto Scaling group)
    emulator.setOperationFault('ec2:GetInstanceMetadataDefaults', 'access-denied');
    try {
      const r = await cli('scan', '--workflow', workflowFile('partial', [OK]));
      expect(r.code).toBe(3);
      expect(r.stdout).toContain('Scopes scanned 0, partial 2, failed 0.');
      expect(r.stdout).toMatch(/Partial scopes \(2\): instances kept, these parts missing/);
      expect(r.stderr).toMatch(/2 part\(s\) missing/);
      expect(r.stderr).toContain(
        `${OK}/eu-west-1 account-default: account default in ${OK}/eu-west-1: GetInstanceMetadataDefaults HTTP 403 UnauthorizedOperation`,
      );
    } finally {
      emulator.setOperationFault('ec2:GetInstanceMetadataDefaults', null);
    }
  });

  it.each([
    [['scan', '--format', 'xml'], /--format must be one of table, json, csv/],
    [['scna'], /unknown command "scna"/],
    [['scan', '--account', '12'], /--account must be a 12-digit account id/],
    [['scan', '--workflow', '/nonexistent.yaml'], /Cannot read workflow file \/nonexistent.yaml/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 and lists every problem of a bad workflow and environment', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'version: 1\nname: bad\nscope:\n  accounts: [{ id: "1", roleArn: x }]\n  regions: [nowhere]\n',
    );
    const r = await cli('scan', '--workflow', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('scope.accounts[0].id (line 4)');
    expect(r.stderr).toContain('scope.accounts[0].roleArn (line 4)');
    expect(r.stderr).toContain('scope.regions[0] (line 5)');
    const saved = env;
    env = { ...env, REDIS_URL: 'http://nope', LOG_LEVEL: 'loud' };
    const e = await cli('health');
    env = saved;
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/REDIS_URL: .*redis:\/\//);
    expect(e.stderr).toMatch(/LOG_LEVEL/);
  });

  it('scan --output FILE writes the report there, in the format of its extension, atomically', async () => {
    const file = join(dir, 'out', '..', 'report.json');
    const r = await cli('scan', '--workflow', workflowFile('output', [OK]), '--output', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/finished, 2\/2 scopes scanned/);
    expect(r.stderr).toContain(`Report (json) written to ${file}`);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).summary.instances).toBe(3);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const csv = join(dir, 'report.csv');
    expect((await cli('report', '--output', csv)).code).toBe(0);
    expect(readFileSync(csv, 'utf8')).toMatch(/^instanceId,accountId,region,/);
    const forced = join(dir, 'report.txt');
    expect((await cli('report', '--output', forced, '--format', 'json')).code).toBe(0);
    expect(JSON.parse(readFileSync(forced, 'utf8')).summary.instances).toBe(3);
  });

  it('--output with an extension it cannot tell, or in a directory that does not exist, exits 2', async () => {
    const odd = await cli('report', '--output', join(dir, 'report.xlsx'));
    expect(odd.code).toBe(2);
    expect(odd.stderr).toMatch(/cannot tell the format of .*report\.xlsx.*add --format/);
    const nowhere = await cli('report', '--output', join(dir, 'no', 'such', 'dir', 'r.json'));
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/cannot write .*r\.json/);
    expect(nowhere.stderr).not.toMatch(/\n\s+at /);
  });

  it('a closed stdout (the reader went away, as with | head) ends quietly', async () => {
    const r = await runCli(env, ['scan', '--workflow', workflowFile('pipe', [OK]), '--format', 'json'], {
      closeStdout: true,
    });
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/finished, 2\/2 scopes scanned/);
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  it("--version prints package.json's version; every command has --help with its exit statuses", async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect((await cli('--version')).stdout).toBe(`imds-bot ${pkg.version}\n`);
    const commands = ['scan', 'report', 'digest', 'serve', 'worker', 'audit', 'health'];
    const helps = await Promise.all(commands.map((command) => cli(command, '--help')));
    for (const [i, r] of helps.entries()) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: imds-bot ${commands[i]}`));
      expect(r.stdout).toMatch(/Exit status:\n {2}0 /);
    }
    const scan = await cli('scan', '--help');
    expect(scan.stdout).toMatch(/--output FILE/);
    expect(scan.stdout).toMatch(/ 3 every inventory was read, but some parts/);
  }, 180_000);

  it("an unknown option names the command's valid ones", async () => {
    const r = await cli('report', '--acount', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /report: Unknown option '--acount'; its options: --workflow, --format, --limit, --output/,
    );
    const audit = await cli('audit', 'verify', '--region', 'x');
    expect(audit.stderr).toMatch(
      /audit: Unknown option '--region'; its options: --workflow, --format, --since/,
    );
  });

  it('a YAML alias bomb exits 2 naming the file', async () => {
    const bomb = join(dir, 'bomb.yaml');
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries())
      levels.push(`${name}: &${name} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`);
    writeFileSync(bomb, `version: 1\nname: bomb\n${levels.join('\n')}\n`);
    const r = await cli('scan', '--workflow', bomb);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bomb} is refused`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('health answers 0 when Redis answers', async () => {
    expect((await cli('health', '--workflow', workflowFile('health', [OK]))).code).toBe(0);
  });
});
