import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_DEFAULTS } from '../../src/config/slack-schema.js';
import { loadWorkflow, parseWorkflow } from '../../src/config/workflow.js';
import { APPROVALS_DEFAULTS } from '../../src/domain/change/approval-schema.js';
import { REFRESH_DEFAULTS } from '../../src/domain/change/instance-refresh.js';
import { ConfigError } from '../../src/domain/errors.js';
import { NONPROD_VALUES } from '../../src/domain/fixes/environment.js';

const workflowPath = (name: string) => fileURLToPath(new URL(`../../workflows/${name}`, import.meta.url));
const DEFAULT_FILE = workflowPath('default.yaml');
const EXAMPLE_FILE = workflowPath('example-multi-account.yaml');
const SOURCE = 'workflows/broken.yaml';

let example = '';
let tempDir = '';

beforeAll(async () => {
  example = await readFile(EXAMPLE_FILE, 'utf8');
  tempDir = await mkdtemp(join(tmpdir(), 'imds-workflow-test-'));
});

afterAll(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

/** Returns the ConfigError `fn` throws (fails the test when it throws nothing or something else). */
async function configErrorOf(fn: () => unknown): Promise<ConfigError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** Replaces `from` exactly once in the example file, so a typo in a test cannot pass silently. */
function exampleWith(from: string, to: string): string {
  expect(example.split(from)).toHaveLength(2);
  return example.replace(from, to);
}

/** The example with the account list removed and the commented organization form uncommented. */
function organizationForm(text: string): string {
  return text
    .replace(/^ {2}accounts:\n(?: {4}.*\n)+/m, '')
    .replace(/^ {2}# ( *(?:accounts|organization|roleName|externalId|exclude):)/gm, '  $1');
}

describe('shipped workflow files', () => {
  it('loads workflows/default.yaml', async () => {
    expect(await loadWorkflow(DEFAULT_FILE)).toEqual({
      version: 1,
      name: 'default',
      scope: { accounts: 'self', regions: 'all' },
      owners: { tags: ['Owner', 'OwnerEmail', 'team'] },
      environment: {
        tag: 'Environment',
        prodValues: ['prod', 'production'],
        alsoTags: ['env', 'stage'],
        nonprodValues: NONPROD_VALUES,
        twinTags: ['app', 'Name'],
      },
      usage: { windowDays: 14 },
      scan: { concurrency: 8 },
      schedules: {
        scan: { cron: '0 6 * * *', timezone: 'UTC' },
        digest: { cron: '0 9 * * 1-5', timezone: 'UTC' },
        anchor: { cron: '0 * * * *', timezone: 'UTC' },
      },
      audit: {},
      fixes: { findCaller: { enabled: false, seconds: 60, pollSeconds: 5 } },
      refresh: REFRESH_DEFAULTS,
      slack: SLACK_DEFAULTS,
      approvals: APPROVALS_DEFAULTS,
      exports: { securityHub: { enabled: false } },
    });
  });

  it('loads workflows/example-multi-account.yaml with its member accounts', async () => {
    const workflow = await loadWorkflow(EXAMPLE_FILE);

    expect(workflow.scope).toEqual({
      accounts: [
        {
          id: '123456789012',
          name: 'payments-prod',
          roleArn: 'arn:aws:iam::123456789012:role/ImdsBotScanner',
          externalId: 'imds-bot-4f1c9a',
        },
        {
          id: '210987654321',
          name: 'data-staging',
          roleArn: 'arn:aws:iam::210987654321:role/ImdsBotScanner',
          externalId: 'imds-bot-4f1c9a',
        },
      ],
      regions: ['eu-west-1', 'eu-central-1', 'us-east-1'],
    });
    expect(workflow.usage).toEqual({ windowDays: 30 });
    expect(workflow.scan).toEqual({ concurrency: 16 });
  });

  it('parses the organization form once it is uncommented', () => {
    const workflow = parseWorkflow(organizationForm(example), 'org.yaml');

    expect(workflow.scope.accounts).toEqual({
      organization: {
        roleName: 'ImdsBotScanner',
        externalId: 'imds-bot-4f1c9a',
        externalIds: {},
        exclude: { accounts: ['999999999999'], ous: [], tags: {} },
        includeManagementAccount: false,
      },
    });
  });

  it('fills the defaults of a minimal workflow', () => {
    const text = 'version: 1\nname: minimal\nscope:\n  accounts: self\n  regions: [eu-west-1]\n';

    expect(parseWorkflow(text, 'minimal.yaml')).toEqual({
      version: 1,
      name: 'minimal',
      scope: { accounts: 'self', regions: ['eu-west-1'] },
      owners: { tags: ['Owner', 'OwnerEmail', 'team'] },
      environment: {
        tag: 'Environment',
        prodValues: ['prod', 'production'],
        alsoTags: ['env', 'stage'],
        nonprodValues: NONPROD_VALUES,
        twinTags: ['app', 'Name'],
      },
      usage: { windowDays: 14 },
      scan: { concurrency: 8 },
      schedules: { anchor: { cron: '0 * * * *', timezone: 'UTC' } },
      audit: {},
      fixes: { findCaller: { enabled: false, seconds: 60, pollSeconds: 5 } },
      refresh: REFRESH_DEFAULTS,
      slack: SLACK_DEFAULTS,
      approvals: APPROVALS_DEFAULTS,
      exports: { securityHub: { enabled: false } },
    });
  });
});

describe('invalid workflows', () => {
  it.each([
    {
      what: 'a short account id',
      text: () => exampleWith('"123456789012"', '"12345"'),
      path: 'scope.accounts[0].id',
      line: 9,
      expected: 'a 12-digit AWS account id',
    },
    {
      what: 'an account id YAML reads as a number',
      text: () => exampleWith('"123456789012"', '123456789012'),
      path: 'scope.accounts[0].id',
      line: 9,
      expected: /string|quote/,
    },
    {
      what: 'a role ARN of another service',
      text: () => exampleWith('arn:aws:iam::210987654321:role/ImdsBotScanner', 'arn:aws:s3:::bucket'),
      path: 'scope.accounts[1].roleArn',
      line: 15,
      expected: 'an IAM role ARN',
    },
    {
      what: 'an unknown field',
      text: () => exampleWith('  concurrency: 16\n', '  concurrency: 16\n  parallel: true\n'),
      path: 'scan',
      line: 43,
      expected: 'unknown field(s) parallel',
    },
    {
      what: 'a region that is not a region name',
      text: () => exampleWith('eu-central-1', 'Frankfurt'),
      path: 'scope.regions[1]',
      line: 28,
      expected: 'a region name such as eu-west-1',
    },
    {
      what: 'windowDays 0',
      text: () => exampleWith('windowDays: 30', 'windowDays: 0'),
      path: 'usage.windowDays',
      line: 39,
      expected: '>=1',
    },
    {
      what: 'windowDays beyond CloudWatch retention',
      text: () => exampleWith('windowDays: 30', 'windowDays: 456'),
      path: 'usage.windowDays',
      line: 39,
      expected: '<=455',
    },
    {
      what: 'a cron pattern with one field',
      text: () => exampleWith('"30 5 * * *"', 'daily'),
      path: 'schedules.scan.cron',
      line: 46,
      expected: 'a cron pattern with 5 or 6 fields',
    },
    {
      what: 'a cron pattern with seven fields',
      text: () => exampleWith('"0 9 * * 1"', '"0 0 9 * * 1 2025"'),
      path: 'schedules.digest.cron',
      line: 49,
      expected: 'a cron pattern with 5 or 6 fields',
    },
    {
      what: 'version 2',
      text: () => exampleWith('version: 1', 'version: 2'),
      path: 'version',
      line: 2,
      expected: 'expected 1',
    },
  ])(
    '$what: names the file, $path, line $line and what was expected',
    async ({ text, path, line, expected }) => {
      const input = text();

      const { message, problems } = await configErrorOf(() => parseWorkflow(input, SOURCE));

      expect(message.split('\n')[0]).toBe(`${SOURCE} is not a valid workflow:`);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`${path} (line ${line}): `);
      expect(problems[0]).toMatch(expected);
      expect(message).toContain(`  - ${problems[0]}`);
    },
  );

  it('lists every problem of a file at once', async () => {
    const text = example
      .replace('version: 1', 'version: 2')
      .replace('"123456789012"', '"12345"')
      .replace('windowDays: 30', 'windowDays: 0')
      .replace('"30 5 * * *"', 'daily');

    const err = await configErrorOf(() => parseWorkflow(text, SOURCE));

    expect(err.problems.map((p) => p.split(' (line')[0])).toEqual([
      'version',
      'scope.accounts[0].id',
      'usage.windowDays',
      'schedules.scan.cron',
    ]);
  });

  it('names the top level when the file is not a mapping', async () => {
    const err = await configErrorOf(() => parseWorkflow('just a string\n', SOURCE));

    expect(err.problems).toEqual(['(top level) (line 1): expected object, received string']);
  });
});

describe('YAML syntax errors', () => {
  it.each([
    {
      what: 'a duplicate key',
      text: 'version: 1\nname: x\nversion: 2\n',
      line: 3,
      col: 1,
      expected: 'Map keys must be unique',
    },
    {
      what: 'a tab as indentation',
      text: 'version: 1\nname: x\n\tscan: {}\n',
      line: 3,
      col: 1,
      expected: 'Tabs are not allowed',
    },
    {
      what: 'an unclosed flow sequence',
      text: 'version: 1\nname: x\nscope:\n  regions: [eu-west-1\n  accounts: self\n',
      line: 5,
      col: 3,
      expected: 'Flow sequence',
    },
  ])('$what: names the file and line $line', async ({ text, line, col, expected }) => {
    const err = await configErrorOf(() => parseWorkflow(text, SOURCE));

    expect(err.message.split('\n')[0]).toBe(`${SOURCE} is not valid YAML:`);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(new RegExp(`^line ${line}:${col}: ${expected}`));
  });
});

describe('loadWorkflow', () => {
  it('names a missing file and why it could not be read', async () => {
    const missing = join(tempDir, 'does-not-exist.yaml');

    const err = await configErrorOf(() => loadWorkflow(missing));

    expect(err.message.split('\n')[0]).toBe(`Cannot read workflow file ${missing}:`);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toContain('ENOENT');
  });

  it('names the file it read in validation problems', async () => {
    const file = join(tempDir, 'bad-version.yaml');
    await writeFile(file, exampleWith('version: 1', 'version: 3'));

    const err = await configErrorOf(() => loadWorkflow(file));

    expect(err.message.split('\n')[0]).toBe(`${file} is not a valid workflow:`);
    expect(err.problems).toEqual(['version (line 2): expected 1']);
  });
});
