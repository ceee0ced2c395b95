import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseWorkflow } from '../../src/config/workflow.js';
import { ConfigError } from '../../src/domain/errors.js';

const withAccounts = (accounts: string) =>
  `version: 1\nname: scope-test\nscope:\n  regions: [eu-west-1]\n  accounts:\n${accounts}`;

function problemsOf(text: string): string[] {
  try {
    parseWorkflow(text, 'scope.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('scope.accounts: the hub with its members', () => {
  it('takes `self` inside the list, next to member accounts', () => {
    const text = withAccounts(
      '    - self\n    - id: "222222222222"\n      roleArn: arn:aws:iam::222222222222:role/ImdsBotScanner\n',
    );

    expect(parseWorkflow(text, 'scope.yaml').scope.accounts).toEqual([
      'self',
      { id: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/ImdsBotScanner' },
    ]);
  });

  it.each([
    ['self twice', '    - self\n    - self\n', 'self may appear once in the list'],
    [
      'an account twice',
      '    - { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/A" }\n    - { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/B" }\n',
      'each account id may appear once in the list',
    ],
  ])('refuses %s', (_what, list, expected) => {
    expect(problemsOf(withAccounts(list))).toEqual([expect.stringContaining(expected)]);
  });
});

describe('scope.accounts.organization', () => {
  const org = (body: string) => withAccounts(`    organization:\n      roleName: ImdsBotScanner\n${body}`);

  it('fills the defaults, and reads a plain exclude list as account ids', () => {
    expect(parseWorkflow(org('      exclude: ["999999999999"]\n'), 'o.yaml').scope.accounts).toEqual({
      organization: {
        roleName: 'ImdsBotScanner',
        externalIds: {},
        exclude: { accounts: ['999999999999'], ous: [], tags: {} },
        includeManagementAccount: false,
      },
    });
  });

  it('reads include and exclude by OU and tag, and ExternalIds per OU and account', () => {
    const body = [
      '      include: { ous: [ou-ab12-cd34ef56], tags: { env: [prod, staging] } }',
      '      exclude: { ous: [ou-ab12-00000001], tags: { imds-bot: skip } }',
      '      externalIds: { ou-ab12-cd34ef56: ext-prod, "123456789012": ext-one }',
      '      includeManagementAccount: true',
      '',
    ].join('\n');

    expect(parseWorkflow(org(body), 'o.yaml').scope.accounts).toEqual({
      organization: {
        roleName: 'ImdsBotScanner',
        include: { accounts: [], ous: ['ou-ab12-cd34ef56'], tags: { env: ['prod', 'staging'] } },
        exclude: { accounts: [], ous: ['ou-ab12-00000001'], tags: { 'imds-bot': ['skip'] } },
        externalIds: { 'ou-ab12-cd34ef56': 'ext-prod', '123456789012': 'ext-one' },
        includeManagementAccount: true,
      },
    });
  });

  it.each([
    [
      'an OU id that is not one',
      '      include: { ous: [Production] }\n',
      'an OU id such as ou-ab12-cd34ef56',
    ],
    ['an empty include', '      include: {}\n', 'include needs accounts, ous or tags'],
    [
      'an ExternalId keyed by a name',
      '      externalIds: { prod: x1 }\n',
      'keys are account ids (12 digits) or OU ids',
    ],
    ['an unknown selector', '      exclude: { names: [a] }\n', 'names'],
    [
      'a tag with no values',
      '      include: { tags: { env: [] } }\n',
      'scope.accounts.organization.include.tags.env',
    ],
  ])('refuses %s with a message that says what is expected', (_what, body, expected) => {
    const problems = problemsOf(org(body));

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });
});

describe('the organization reference at the end of workflows/example-multi-account.yaml', () => {
  it('parses once uncommented', async () => {
    const example = await readFile(
      new URL('../../workflows/example-multi-account.yaml', import.meta.url),
      'utf8',
    );
    const reference = example.split('# Every field of the organization form:\n#\n')[1] ?? '';
    const scope = reference
      .split('\n')
      .map((line) => line.replace(/^# ?/, ''))
      .join('\n')
      .replace('scope:\n', 'scope:\n  regions: [eu-west-1]\n');

    const org = parseWorkflow(`version: 1\nname: reference\n${scope}`, 'reference.yaml').scope.accounts;

    expect(org).toMatchObject({
      organization: {
        changeRoleName: 'ImdsBotChange',
        externalIds: { 'ou-ab12-cd34ef56': 'imds-bot-prod', '345678901234': 'imds-bot-payments' },
        include: {
          ous: ['ou-ab12-cd34ef56'],
          accounts: ['210987654321'],
          tags: { env: ['prod', 'staging'] },
        },
        exclude: { tags: { 'imds-bot': ['skip'] } },
        includeManagementAccount: false,
      },
    });
  });
});
