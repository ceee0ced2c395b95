import { z } from 'zod';

/**
 * The `/imds` slash-command grammar: a pure parser from the command text to a typed command or a
 * coded error whose message is a one-line mrkdwn reply (Slack needs `&`, `<`, `>` escaped in it).
 */

export const SUBCOMMANDS = [
  'scan',
  'status',
  'report',
  'owners',
  'help',
  'snooze',
  'enforce',
  'rollback',
  'audit',
  'ack',
] as const;
export const SubcommandName = z.enum(SUBCOMMANDS);
export type SubcommandName = z.infer<typeof SubcommandName>;

export const InstanceId = z.string().regex(/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/);
export const AccountId = z.string().regex(/^\d{12}$/);
export const RegionName = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/);
export const SlackUserId = z.string().regex(/^[UW][A-Z0-9]+$/);
const FreeText = z.string().min(1);

const InstanceTarget = z.object({ kind: z.literal('instance'), instanceId: InstanceId });
const AccountTarget = z.object({ kind: z.literal('account'), accountId: AccountId });
const UserTarget = z.object({ kind: z.literal('user'), userId: SlackUserId });
const command = <N extends SubcommandName, A extends z.ZodRawShape>(name: N, args: A) =>
  z.object({ name: z.literal(name), args: z.object(args) });

export const ScanCommand = command('scan', {
  accountId: AccountId.nullable(),
  region: RegionName.nullable(),
});
export type ScanCommand = z.infer<typeof ScanCommand>;
export const StatusCommand = command('status', {
  target: z.discriminatedUnion('kind', [InstanceTarget, AccountTarget]),
});
export type StatusCommand = z.infer<typeof StatusCommand>;
export const ReportCommand = command('report', {});
export type ReportCommand = z.infer<typeof ReportCommand>;
export const OwnersCommand = command('owners', {});
export type OwnersCommand = z.infer<typeof OwnersCommand>;
export const HelpCommand = command('help', { topic: SubcommandName.nullable() });
export type HelpCommand = z.infer<typeof HelpCommand>;
export const SnoozeCommand = command('snooze', {
  instanceId: InstanceId,
  /** normalised, e.g. '3d' */
  duration: z.string(),
  durationMs: z.number().int().positive(),
  reason: FreeText,
});
export type SnoozeCommand = z.infer<typeof SnoozeCommand>;
export const EnforceCommand = command('enforce', { instanceId: InstanceId, reason: FreeText.nullable() });
export type EnforceCommand = z.infer<typeof EnforceCommand>;
export const RollbackCommand = command('rollback', { instanceId: InstanceId, reason: FreeText });
export type RollbackCommand = z.infer<typeof RollbackCommand>;
export const AuditCommand = command('audit', {
  target: z.discriminatedUnion('kind', [InstanceTarget, UserTarget]).nullable(),
});
export type AuditCommand = z.infer<typeof AuditCommand>;
export const AckCommand = command('ack', { instanceId: InstanceId, note: FreeText.nullable() });
export type AckCommand = z.infer<typeof AckCommand>;

export const ParsedCommand = z.discriminatedUnion('name', [
  ScanCommand,
  StatusCommand,
  ReportCommand,
  OwnersCommand,
  HelpCommand,
  SnoozeCommand,
  EnforceCommand,
  RollbackCommand,
  AuditCommand,
  AckCommand,
]);
export type ParsedCommand = z.infer<typeof ParsedCommand>;

export const CommandErrorCode = z.enum([
  'unknown-subcommand',
  'bad-instance-id',
  'bad-account-id',
  'bad-region',
  'bad-duration',
  'bad-target',
  'missing-argument',
  'too-many-arguments',
  'duplicate-argument',
]);
export type CommandErrorCode = z.infer<typeof CommandErrorCode>;
export const CommandError = z.object({ error: CommandErrorCode, message: z.string() });
export type CommandError = z.infer<typeof CommandError>;

export interface ParseOptions {
  /** the longest snooze allowed, in days (default 90) */
  maxSnoozeDays?: number;
}

const HELP: Record<SubcommandName, { args: string; summary: string }> = {
  scan: { args: '[account-id] [region]', summary: 'scan now: everything, one account, one region, or both' },
  status: { args: '<instance-id|account-id>', summary: 'IMDS status of one instance or one account' },
  report: { args: '', summary: 'migration progress across the organization' },
  owners: { args: '', summary: 'laggards per owner, and instances with no owner' },
  help: { args: '[subcommand]', summary: 'this list, or the usage of one subcommand' },
  snooze: {
    args: '<instance-id> <duration> <reason…>',
    summary: 'mute an instance, e.g. `snooze i-0123abcd 3d migrating`',
  },
  enforce: {
    args: '<instance-id> [reason…]',
    summary: 'request IMDSv2-only for an instance (needs an approver)',
  },
  rollback: { args: '<instance-id> <reason…>', summary: 'request IMDSv1 back for an enforced instance' },
  audit: { args: '[instance-id|@user]', summary: 'recent changes, for an instance or a person' },
  ack: { args: '<instance-id> [note…]', summary: 'acknowledge a finding: you own it and are on it' },
};

const escapeMrkdwn = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The usage line of a subcommand, plain text (escape it before putting it in mrkdwn). */
export function usage(name: SubcommandName, slashCommand = '/imds'): string {
  const { args } = HELP[name];
  return args === '' ? `${slashCommand} ${name}` : `${slashCommand} ${name} ${args}`;
}

/** mrkdwn: one line per subcommand, or the usage and summary of one. */
export function helpText(topic: SubcommandName | null = null, slashCommand = '/imds'): string {
  const line = (n: SubcommandName) => `• \`${escapeMrkdwn(usage(n, slashCommand))}\`: ${HELP[n].summary}`;
  if (topic !== null) return line(topic);
  const lines = SUBCOMMANDS.map(line);
  return [`*\`${slashCommand}\` commands*`, ...lines, 'Durations: 30m, 12h, 3d, 2w.'].join('\n');
}

const fail = (error: CommandErrorCode, message: string): CommandError => ({ error, message });
export const isCommandError = (r: ParsedCommand | CommandError): r is CommandError => 'error' in r;

/** A user's token, shown back inside backticks: shortened and escaped. */
const shown = (token: string): string => {
  const short = token.length > 40 ? `${token.slice(0, 39)}…` : token;
  return `\`${escapeMrkdwn(short.replace(/`/g, "'"))}\``;
};
const usageHint = (name: SubcommandName): string => `Usage: \`${escapeMrkdwn(usage(name))}\``;

/** Undo what Slack and phones do to typed text: link wrappers, smart quotes, zero-width spaces. */
function normalize(text: string): string {
  return text
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/[\u2018\u2019\u201A\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, '"')
    .replace(/<@([UW][A-Z0-9]+)\|[^>]*>/g, '<@$1>')
    .replace(/<[^@#!|>][^|>]*\|([^>]*)>/g, '$1')
    .replace(/<(?:mailto:|tel:)?([^@#!|>][^>]*)>/gi, '$1')
    .trim();
}

/** Wrapping quotes, backticks and trailing punctuation around a positional token. */
const clean = (token: string): string => token.replace(/^[`'"([]+/, '').replace(/[`'",.;:)\]]+$/, '');

/** Free text (reason, note): Slack's HTML entities decoded, one pair of wrapping quotes dropped. */
function freeText(raw: string): string | null {
  const decoded = raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
  const unquoted = /^(["'`])(.*)\1$/s.exec(decoded)?.[2]?.trim() ?? decoded;
  return unquoted === '' ? null : unquoted;
}

interface Words {
  readonly tokens: readonly string[];
  /** the raw text from token `i` to the end */
  rest(i: number): string;
}

function words(text: string): Words {
  const matches = [...text.matchAll(/\S+/g)];
  return {
    tokens: matches.map((m) => m[0]),
    rest: (i) => {
      const m = matches[i];
      return m === undefined ? '' : text.slice(m.index);
    },
  };
}

export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function unknownSubcommand(token: string): CommandError {
  const word = token.toLowerCase();
  const scored = SUBCOMMANDS.map((n) => ({ n, d: levenshtein(word, n) })).filter((s) => s.d <= 2);
  const best = scored.sort((x, y) => x.d - y.d)[0];
  const hint = best === undefined ? `Subcommands: ${SUBCOMMANDS.join(', ')}.` : `Did you mean \`${best.n}\`?`;
  return fail('unknown-subcommand', `Unknown subcommand ${shown(token)}. ${hint} See \`/imds help\`.`);
}

const subcommandOf = (token: string): SubcommandName | null => {
  const parsed = SubcommandName.safeParse(clean(token).toLowerCase());
  return parsed.success ? parsed.data : null;
};

function instanceId(token: string): string | CommandError {
  const t = clean(token).toLowerCase();
  if (InstanceId.safeParse(t).success) return t;
  const body = t.slice(2);
  const detail = !t.startsWith('i-')
    ? 'it does not start with `i-`'
    : /^[0-9a-f]*$/.test(body)
      ? `it has ${body.length} hex characters`
      : `${shown(body.replace(/[0-9a-f]/g, '').slice(0, 1))} is not hex`;
  return fail(
    'bad-instance-id',
    `${shown(token)} is not an instance id (${detail}): use \`i-\` followed by 8 or 17 hex characters, e.g. \`i-0123456789abcdef0\`.`,
  );
}

const looksLikeAccount = (t: string): boolean => /^[\d-]+$/.test(t);
const looksLikeRegion = (t: string): boolean => /^[a-z]{2}-/i.test(t);
const looksLikeInstance = (t: string): boolean => /^i-/i.test(t);

function accountId(token: string): string | CommandError {
  const digits = clean(token).replace(/-/g, '');
  if (AccountId.safeParse(digits).success) return digits;
  return fail(
    'bad-account-id',
    `${shown(token)} is not an account id (it has ${digits.length} digits): use the 12-digit AWS account id, e.g. \`123456789012\`.`,
  );
}

function region(token: string): string | CommandError {
  const t = clean(token).toLowerCase();
  if (RegionName.safeParse(t).success) return t;
  return fail(
    'bad-region',
    `${shown(token)} is not a region: use a region code such as \`eu-west-1\` or \`us-east-1\`.`,
  );
}

const DAY_MS = 86_400_000;
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };
const DURATION = /^(\d{1,6})(m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$/i;

function duration(token: string, maxDays: number): { duration: string; durationMs: number } | CommandError {
  const accepted = `Use a number and a unit: m (minutes), h (hours), d (days) or w (weeks), e.g. \`3d\`, at most ${maxDays} days.`;
  const m = DURATION.exec(clean(token));
  const unit = m?.[2]?.[0]?.toLowerCase() ?? '';
  const ms = Number(m?.[1] ?? 0) * (UNITS[unit] ?? 0);
  if (m === null || ms === 0) return fail('bad-duration', `${shown(token)} is not a duration. ${accepted}`);
  if (ms > maxDays * DAY_MS) return fail('bad-duration', `${shown(token)} is too long. ${accepted}`);
  return { duration: `${Number(m[1])}${unit}`, durationMs: ms };
}

const missing = (name: SubcommandName, what: string): CommandError =>
  fail('missing-argument', `\`/imds ${name}\` needs ${what}. ${usageHint(name)}`);

const tooMany = (name: SubcommandName, extra: string): CommandError =>
  fail('too-many-arguments', `Too many arguments for \`/imds ${name}\`: ${shown(extra)}. ${usageHint(name)}`);

type Parser = (w: Words, maxSnoozeDays: number) => ParsedCommand | CommandError;

function parseScan(w: Words): ParsedCommand | CommandError {
  if (w.tokens.length > 2) return tooMany('scan', w.rest(2));
  const args: ScanCommand['args'] = { accountId: null, region: null };
  for (const token of w.tokens) {
    const t = clean(token);
    const key = looksLikeAccount(t) ? 'accountId' : looksLikeRegion(t) ? 'region' : null;
    if (key === null) {
      const hint = looksLikeInstance(t) ? ' For one instance use `/imds status &lt;instance-id&gt;`.' : '';
      const what = 'neither a 12-digit account id nor a region such as `eu-west-1`';
      return fail('bad-target', `${shown(token)} is ${what}.${hint} ${usageHint('scan')}`);
    }
    if (args[key] !== null)
      return fail(
        'duplicate-argument',
        `\`/imds scan\` takes one ${key === 'region' ? 'region' : 'account id'}. ${usageHint('scan')}`,
      );
    const value = key === 'accountId' ? accountId(t) : region(t);
    if (typeof value !== 'string') return value;
    args[key] = value;
  }
  return { name: 'scan', args };
}

function parseStatus(w: Words): ParsedCommand | CommandError {
  const [token] = w.tokens;
  if (token === undefined) return missing('status', 'an instance id or an account id');
  if (w.tokens.length > 1) return tooMany('status', w.rest(1));
  const t = clean(token);
  if (looksLikeInstance(t)) {
    const id = instanceId(t);
    return typeof id === 'string'
      ? { name: 'status', args: { target: { kind: 'instance', instanceId: id } } }
      : id;
  }
  if (!looksLikeAccount(t)) {
    const what = 'neither an instance id (e.g. `i-0123456789abcdef0`) nor a 12-digit account id';
    return fail('bad-target', `${shown(token)} is ${what}. ${usageHint('status')}`);
  }
  const id = accountId(t);
  return typeof id === 'string'
    ? { name: 'status', args: { target: { kind: 'account', accountId: id } } }
    : id;
}

const noArgs =
  (name: 'report' | 'owners'): Parser =>
  (w) =>
    w.tokens.length > 0 ? tooMany(name, w.rest(0)) : { name, args: {} };

function parseHelp(w: Words): ParsedCommand | CommandError {
  const [token] = w.tokens;
  if (token === undefined) return { name: 'help', args: { topic: null } };
  if (w.tokens.length > 1) return tooMany('help', w.rest(1));
  const topic = subcommandOf(token);
  return topic === null ? unknownSubcommand(clean(token)) : { name: 'help', args: { topic } };
}

/** The instance id every action subcommand starts with. */
function leadingInstance(name: SubcommandName, w: Words): string | CommandError {
  const [token] = w.tokens;
  return token === undefined ? missing(name, 'an instance id') : instanceId(token);
}

function parseSnooze(w: Words, maxSnoozeDays: number): ParsedCommand | CommandError {
  const id = leadingInstance('snooze', w);
  if (typeof id !== 'string') return id;
  const token = w.tokens[1];
  if (token === undefined) return missing('snooze', 'a duration such as `3d`');
  const span = duration(token, maxSnoozeDays);
  if ('error' in span) return span;
  const reason = freeText(w.rest(2));
  if (reason === null) return missing('snooze', 'a reason');
  return { name: 'snooze', args: { instanceId: id, ...span, reason } };
}

function parseEnforce(w: Words): ParsedCommand | CommandError {
  const id = leadingInstance('enforce', w);
  return typeof id === 'string'
    ? { name: 'enforce', args: { instanceId: id, reason: freeText(w.rest(1)) } }
    : id;
}

function parseRollback(w: Words): ParsedCommand | CommandError {
  const id = leadingInstance('rollback', w);
  if (typeof id !== 'string') return id;
  const reason = freeText(w.rest(1));
  return reason === null
    ? missing('rollback', 'a reason')
    : { name: 'rollback', args: { instanceId: id, reason } };
}

function parseAck(w: Words): ParsedCommand | CommandError {
  const id = leadingInstance('ack', w);
  return typeof id === 'string' ? { name: 'ack', args: { instanceId: id, note: freeText(w.rest(1)) } } : id;
}

function parseAudit(w: Words): ParsedCommand | CommandError {
  const [token] = w.tokens;
  if (token === undefined) return { name: 'audit', args: { target: null } };
  if (w.tokens.length > 1) return tooMany('audit', w.rest(1));
  const mention = /^<@([UW][A-Z0-9]+)>$/.exec(token)?.[1];
  if (mention !== undefined) return { name: 'audit', args: { target: { kind: 'user', userId: mention } } };
  const t = clean(token);
  if (looksLikeInstance(t)) {
    const id = instanceId(t);
    return typeof id === 'string'
      ? { name: 'audit', args: { target: { kind: 'instance', instanceId: id } } }
      : id;
  }
  const hint = t.startsWith('@')
    ? 'pick the person from the @ autocomplete so Slack sends their user id'
    : 'give an instance id (e.g. `i-0123456789abcdef0`) or an @mention';
  return fail(
    'bad-target',
    `${shown(token)} is not an instance id or a Slack user: ${hint}. ${usageHint('audit')}`,
  );
}

const PARSERS: Record<SubcommandName, Parser> = {
  scan: parseScan,
  status: parseStatus,
  report: noArgs('report'),
  owners: noArgs('owners'),
  help: parseHelp,
  snooze: parseSnooze,
  enforce: parseEnforce,
  rollback: parseRollback,
  audit: parseAudit,
  ack: parseAck,
};

/** Parse the text after `/imds`. Empty text is `help`. Never throws. */
export function parseCommand(text: string, options: ParseOptions = {}): ParsedCommand | CommandError {
  const all = words(normalize(text));
  const [first] = all.tokens;
  if (first === undefined) return { name: 'help', args: { topic: null } };
  const name = subcommandOf(first);
  if (name === null) return unknownSubcommand(clean(first));
  const rest = all.tokens.length > 1 ? words(all.rest(1)) : words('');
  return PARSERS[name](rest, options.maxSnoozeDays ?? 90);
}
