import { describe, expect, it } from 'vitest';
import { helpText, usage } from '../../src/adapters/slack/commands/help.js';
import { isCommandError, parseCommand } from '../../src/adapters/slack/commands/parse.js';
import {
  type CommandError,
  CommandError as CommandErrorSchema,
  type ParsedCommand,
  ParsedCommand as ParsedCommandSchema,
  SUBCOMMANDS,
} from '../../src/adapters/slack/commands/schema.js';
import { levenshtein } from '../../src/adapters/slack/commands/tokens.js';

const ID17 = 'i-0123456789abcdef0';
const ID8 = 'i-0123abcd';
const DAY = 86_400_000;

describe('parseCommand: successes', () => {
  it.each<[string, ParsedCommand]>([
    ['', { name: 'help', args: { topic: null } }],
    ['   \t ', { name: 'help', args: { topic: null } }],
    ['help', { name: 'help', args: { topic: null } }],
    ['help Snooze', { name: 'help', args: { topic: 'snooze' } }],
    ['scan', { name: 'scan', args: { accountId: null, region: null } }],
    ['SCAN', { name: 'scan', args: { accountId: null, region: null } }],
    ['scan 123456789012', { name: 'scan', args: { accountId: '123456789012', region: null } }],
    ['scan eu-west-1', { name: 'scan', args: { accountId: null, region: 'eu-west-1' } }],
    ['scan us-gov-west-1', { name: 'scan', args: { accountId: null, region: 'us-gov-west-1' } }],
    [
      'scan 123456789012 eu-west-1',
      { name: 'scan', args: { accountId: '123456789012', region: 'eu-west-1' } },
    ],
    [
      '  Scan   EU-WEST-1    1234-5678-9012  ',
      { name: 'scan', args: { accountId: '123456789012', region: 'eu-west-1' } },
    ],
    ['scan\u00a0eu-west-1', { name: 'scan', args: { accountId: null, region: 'eu-west-1' } }],
    [`status ${ID17}`, { name: 'status', args: { target: { kind: 'instance', instanceId: ID17 } } }],
    ['status I-0123ABCD', { name: 'status', args: { target: { kind: 'instance', instanceId: ID8 } } }],
    [
      `status \u201c${ID8}\u201d`,
      { name: 'status', args: { target: { kind: 'instance', instanceId: ID8 } } },
    ],
    [`status \`${ID8}\`,`, { name: 'status', args: { target: { kind: 'instance', instanceId: ID8 } } }],
    [
      `status <http://${ID8}|${ID8}>`,
      { name: 'status', args: { target: { kind: 'instance', instanceId: ID8 } } },
    ],
    [
      'status 123456789012',
      { name: 'status', args: { target: { kind: 'account', accountId: '123456789012' } } },
    ],
    ['report', { name: 'report', args: {} }],
    ['Owners', { name: 'owners', args: {} }],
    [
      `snooze ${ID8} 3d waiting on the vendor`,
      {
        name: 'snooze',
        args: { instanceId: ID8, duration: '3d', durationMs: 3 * DAY, reason: 'waiting on the vendor' },
      },
    ],
    [
      `snooze ${ID8} 12H \u201cvendor\u2019s patch\u201d`,
      {
        name: 'snooze',
        args: { instanceId: ID8, duration: '12h', durationMs: 12 * 3_600_000, reason: "vendor's patch" },
      },
    ],
    [
      `snooze ${ID8} 2w a &amp; b &lt;3`,
      { name: 'snooze', args: { instanceId: ID8, duration: '2w', durationMs: 14 * DAY, reason: 'a & b <3' } },
    ],
    [
      `snooze ${ID8} 30m x`,
      { name: 'snooze', args: { instanceId: ID8, duration: '30m', durationMs: 1_800_000, reason: 'x' } },
    ],
    [
      `snooze ${ID8} 90days x`,
      { name: 'snooze', args: { instanceId: ID8, duration: '90d', durationMs: 90 * DAY, reason: 'x' } },
    ],
    [`enforce ${ID17}`, { name: 'enforce', args: { instanceId: ID17, reason: null } }],
    [
      `enforce ${ID17}   approved   in CAB-12 `,
      { name: 'enforce', args: { instanceId: ID17, reason: 'approved   in CAB-12' } },
    ],
    [`rollback ${ID8} app broke`, { name: 'rollback', args: { instanceId: ID8, reason: 'app broke' } }],
    [
      `rollback ${ID8} see <mailto:ops@example.com|ops@example.com>`,
      { name: 'rollback', args: { instanceId: ID8, reason: 'see ops@example.com' } },
    ],
    [
      `rollback ${ID8} see <https://wiki.example.com/x>`,
      { name: 'rollback', args: { instanceId: ID8, reason: 'see https://wiki.example.com/x' } },
    ],
    ['audit', { name: 'audit', args: { target: null } }],
    [`audit ${ID8}`, { name: 'audit', args: { target: { kind: 'instance', instanceId: ID8 } } }],
    ['audit <@U123ABC|bob>', { name: 'audit', args: { target: { kind: 'user', userId: 'U123ABC' } } }],
    ['audit <@W0TEAM>', { name: 'audit', args: { target: { kind: 'user', userId: 'W0TEAM' } } }],
    [`ack ${ID8}`, { name: 'ack', args: { instanceId: ID8, note: null } }],
    [
      `ack ${ID8} on it, <@U1|ann> knows`,
      { name: 'ack', args: { instanceId: ID8, note: 'on it, <@U1> knows' } },
    ],
    [`ack \u200b${ID8} ok`, { name: 'ack', args: { instanceId: ID8, note: 'ok' } }],
    [
      'enforce-ready 1234-5678-9012',
      { name: 'enforce-ready', args: { accountId: '123456789012', owner: null } },
    ],
    [
      'Enforce-Ready 123456789012 <@U0ANN|ann>',
      { name: 'enforce-ready', args: { accountId: '123456789012', owner: 'U0ANN' } },
    ],
    [
      'enforce-ready 123456789012 --env nonprod',
      { name: 'enforce-ready', args: { accountId: '123456789012', owner: null, env: 'nonprod' } },
    ],
    [
      'enforce-ready --env=nonprod 123456789012 <@U0ANN|ann>',
      { name: 'enforce-ready', args: { accountId: '123456789012', owner: 'U0ANN', env: 'nonprod' } },
    ],
    [`find-caller ${ID8}`, { name: 'find-caller', args: { instanceId: ID8 } }],
    [
      'fix-template 123456789012 EU-WEST-1 lt-0123456789abcdef0',
      {
        name: 'fix-template',
        args: { accountId: '123456789012', region: 'eu-west-1', launchTemplateId: 'lt-0123456789abcdef0' },
      },
    ],
    [
      'fix-default 123456789012 us-east-1',
      { name: 'fix-default', args: { accountId: '123456789012', region: 'us-east-1' } },
    ],
    [
      'refresh web-asg 123456789012 EU-WEST-1',
      { name: 'refresh', args: { asgName: 'web-asg', accountId: '123456789012', region: 'eu-west-1' } },
    ],
    [
      'refresh `eks-ng&amp;1` 123456789012 eu-west-1',
      { name: 'refresh', args: { asgName: 'eks-ng&1', accountId: '123456789012', region: 'eu-west-1' } },
    ],
  ])('%j', (text, expected) => {
    const result = parseCommand(text);

    expect(result).toEqual(expected);
    expect(ParsedCommandSchema.parse(result)).toEqual(expected);
  });
});

const USAGE_SNOOZE = 'Usage: `/imds snooze &lt;instance-id&gt; &lt;duration&gt; &lt;reason…&gt;`';

describe('parseCommand: errors', () => {
  it.each<[string, CommandError['error'], string]>([
    ['scna', 'unknown-subcommand', 'Unknown subcommand `scna`. Did you mean `scan`? See `/imds help`.'],
    ['enforec i-0123abcd', 'unknown-subcommand', 'Did you mean `enforce`?'],
    ['stauts', 'unknown-subcommand', 'Did you mean `status`?'],
    ['xyzzy', 'unknown-subcommand', 'Subcommands: scan, status, report, owners, help, snooze, enforce'],
    ['x&y`z', 'unknown-subcommand', "`x&amp;y'z`"],
    ['help snoze', 'unknown-subcommand', 'Did you mean `snooze`?'],
    ['scan 12345', 'bad-account-id', '`12345` is not an account id (it has 5 digits): use the 12-digit'],
    ['scan eu-west', 'bad-region', '`eu-west` is not a region: use a region code such as `eu-west-1`'],
    ['scan foo', 'bad-target', '`foo` is neither a 12-digit account id nor a region'],
    ['scan i-0123abcd', 'bad-target', 'For one instance use `/imds status &lt;instance-id&gt;`.'],
    ['scan eu-west-1 us-east-1', 'duplicate-argument', '`/imds scan` takes one region.'],
    ['scan 123456789012 210987654321', 'duplicate-argument', '`/imds scan` takes one account id.'],
    ['scan 123456789012 eu-west-1 x', 'too-many-arguments', 'Too many arguments for `/imds scan`: `x`.'],
    ['status', 'missing-argument', 'Usage: `/imds status &lt;instance-id|account-id&gt;`'],
    [
      'status i-0123456789abcdef',
      'bad-instance-id',
      '(it has 16 hex characters): use `i-` followed by 8 or 17 hex',
    ],
    ['status i-0123abcg', 'bad-instance-id', '(`g` is not hex)'],
    [
      'status 3d',
      'bad-target',
      'neither an instance id (e.g. `i-0123456789abcdef0`) nor a 12-digit account id',
    ],
    ['status 1234', 'bad-account-id', '(it has 4 digits)'],
    ['status i-0123abcd 123456789012', 'too-many-arguments', '`123456789012`'],
    [
      'report now',
      'too-many-arguments',
      'Too many arguments for `/imds report`: `now`. Usage: `/imds report`',
    ],
    ['owners team-a', 'too-many-arguments', 'Usage: `/imds owners`'],
    ['help scan now', 'too-many-arguments', 'Usage: `/imds help [subcommand]`'],
    ['snooze', 'missing-argument', '`/imds snooze` needs an instance id.'],
    ['snooze i-0123abcd', 'missing-argument', 'needs a duration such as `3d`.'],
    ['snooze i-0123abcd 3d', 'missing-argument', `\`/imds snooze\` needs a reason. ${USAGE_SNOOZE}`],
    ['snooze i-0123abcd 3d ""', 'missing-argument', 'needs a reason.'],
    ['snooze 3d i-0123abcd x', 'bad-instance-id', '`3d` is not an instance id (it does not start with `i-`)'],
    [
      'snooze i-0123abcd 3y x',
      'bad-duration',
      'm (minutes), h (hours), d (days) or w (weeks), e.g. `3d`, at most 90 days.',
    ],
    ['snooze i-0123abcd 0d x', 'bad-duration', '`0d` is not a duration.'],
    ['snooze i-0123abcd 1.5d x', 'bad-duration', '`1.5d` is not a duration.'],
    ['snooze i-0123abcd 91d x', 'bad-duration', '`91d` is too long.'],
    ['snooze i-0123abcd 13w x', 'bad-duration', 'at most 90 days.'],
    ['enforce', 'missing-argument', 'Usage: `/imds enforce &lt;instance-id&gt; [reason…]`'],
    ['enforce web-1', 'bad-instance-id', 'e.g. `i-0123456789abcdef0`.'],
    ['rollback i-0123abcd', 'missing-argument', '`/imds rollback` needs a reason.'],
    ['rollback', 'missing-argument', '`/imds rollback` needs an instance id.'],
    ['audit @bob', 'bad-target', 'pick the person from the @ autocomplete'],
    ['audit bob', 'bad-target', 'give an instance id (e.g. `i-0123456789abcdef0`) or an @mention'],
    ['audit i-12', 'bad-instance-id', '(it has 2 hex characters)'],
    ['audit <@U1> <@U2>', 'too-many-arguments', 'Usage: `/imds audit [instance-id|@user]`'],
    ['ack', 'missing-argument', 'Usage: `/imds ack &lt;instance-id&gt; [note…]`'],
    ['ack i-0123abcd00', 'bad-instance-id', '(it has 10 hex characters)'],
    [
      'enforce-ready',
      'missing-argument',
      'Usage: `/imds enforce-ready &lt;account-id&gt; [@owner] [--env nonprod]`',
    ],
    ['enforce-ready 123456789012 --env prod', 'bad-target', '`prod` is not an environment'],
    ['enforce-ready 123456789012 --env', 'bad-target', '`--env` needs a value'],
    ['find-caller', 'missing-argument', '`/imds find-caller` needs an instance id.'],
    [`find-caller ${ID8} now`, 'too-many-arguments', '`now`'],
    ['enforce-ready 12345', 'bad-account-id', '(it has 5 digits)'],
    ['enforce-ready 123456789012 @ann', 'bad-target', 'pick the person from the @ autocomplete'],
    ['enforce-ready 123456789012 <@U1> x', 'too-many-arguments', '`x`'],
    ['fix-template 123456789012 eu-west-1', 'missing-argument', 'needs a launch template id'],
    ['fix-template 123456789012 eu-west-1 lt-xyz', 'bad-target', 'is not a launch template id'],
    ['fix-template 123456789012 moon lt-0123456789abcdef0', 'bad-region', '`moon` is not a region'],
    [
      'fix-default 123456789012',
      'missing-argument',
      'Usage: `/imds fix-default &lt;account-id&gt; &lt;region&gt;`',
    ],
    ['fix-default 123456789012 eu-west-1 extra', 'too-many-arguments', '`extra`'],
    ['refresh', 'missing-argument', 'an Auto Scaling group name'],
    ['refresh web-asg 123456789012', 'missing-argument', 'a region'],
    ['refresh 123456789012 eu-west-1 web-asg', 'bad-target', 'the group comes first'],
    ['refresh web-asg 123456789012 moon', 'bad-region', '`moon` is not a region'],
    ['refresh web-asg 123456789012 eu-west-1 now', 'too-many-arguments', '`now`'],
    ['fix-defualt 123456789012 eu-west-1', 'unknown-subcommand', 'Did you mean `fix-default`?'],
  ])('%j -> %s', (text, code, fragment) => {
    const result = parseCommand(text);

    expect(result).toEqual({ error: code, message: expect.stringContaining(fragment) });
    expect(CommandErrorSchema.parse(result)).toEqual(result);
  });

  it.each([
    ['snooze i-0123abcd 8d x', { maxSnoozeDays: 7 }, 'bad-duration', '`8d` is too long.'],
    ['snooze i-0123abcd 2w x', { maxSnoozeDays: 7 }, 'bad-duration', 'at most 7 days.'],
  ])('%j with %j -> %s', (text, options, code, fragment) => {
    expect(parseCommand(text, options)).toEqual({ error: code, message: expect.stringContaining(fragment) });
  });

  it('accepts a snooze of exactly maxSnoozeDays', () => {
    const result = parseCommand('snooze i-0123abcd 1w x', { maxSnoozeDays: 7 });

    expect(result).toEqual({
      name: 'snooze',
      args: { instanceId: 'i-0123abcd', duration: '1w', durationMs: 7 * DAY, reason: 'x' },
    });
  });

  it('keeps every error message on one line and shortens a long token', () => {
    const long = 'x'.repeat(500);

    const result = parseCommand(long);

    expect(isCommandError(result)).toBe(true);
    // the token is cut to 40; the rest is the list of subcommands, which grows with the grammar
    expect(isCommandError(result) && result.message).toMatch(/`x+…`/);
    expect(isCommandError(result) && result.message).not.toContain('x'.repeat(41));
    expect(isCommandError(result) && result.message.length).toBeLessThan(300);
    expect(isCommandError(result) && result.message.includes('\n')).toBe(false);
  });
});

describe('usage and help', () => {
  it.each([
    ['scan', '/imds scan [account-id] [region]'],
    ['report', '/imds report'],
    ['snooze', '/imds snooze <instance-id> <duration> <reason…>'],
    ['audit', '/imds audit [instance-id|@user]'],
  ] as const)('usage(%s)', (name, expected) => {
    expect(usage(name)).toBe(expected);
  });

  it('lists every subcommand on its own line, escaped for mrkdwn', () => {
    const text = helpText();

    const lines = text.split('\n').filter((l) => l.startsWith('• '));
    expect(lines.map((l) => /^• `\/imds ([\w-]+)/.exec(l)?.[1])).toEqual([...SUBCOMMANDS]);
    expect(text).not.toMatch(/<(?!@)/);
  });

  it('explains one subcommand', () => {
    expect(helpText('rollback')).toBe(
      '• `/imds rollback &lt;instance-id | cr-id&gt; &lt;reason…&gt;`: request IMDSv1 back for an enforced instance, or for every instance of a bulk request',
    );
  });

  it.each([
    ['scan', 'scan', 0],
    ['scna', 'scan', 2],
    ['kitten', 'sitting', 3],
    ['', 'ack', 3],
  ])('levenshtein(%s, %s) = %i', (a, b, d) => {
    expect(levenshtein(a, b)).toBe(d);
  });
});

describe('parseCommand: guardrails', () => {
  it.each([
    ['guardrails', { name: 'guardrails', args: { accountId: null } }],
    ['guardrails 123456789012', { name: 'guardrails', args: { accountId: '123456789012' } }],
    ['GUARDRAILS 123456789012', { name: 'guardrails', args: { accountId: '123456789012' } }],
  ])('%s', (text, want) => {
    expect(parseCommand(text)).toEqual(want);
  });

  it.each([
    ['guardrails 12345', 'bad-account-id'],
    ['guardrails 123456789012 eu-west-1', 'too-many-arguments'],
    ['guardrail', 'unknown-subcommand'],
  ])('%s -> %s', (text, code) => {
    const r = parseCommand(text);
    expect(isCommandError(r) && r.error).toBe(code);
  });
});
