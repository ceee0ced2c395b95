/**
 * The `/imds` slash-command grammar: a pure parser from the command text to a typed command or a
 * coded error whose message is a one-line mrkdwn reply (Slack needs `&`, `<`, `>` escaped in it).
 */

import type { CommandError, ParsedCommand, ScanCommand, SubcommandName } from './schema.js';
import {
  accountId,
  asgName,
  clean,
  duration,
  fail,
  freeText,
  instanceId,
  launchTemplateId,
  looksLikeAccount,
  looksLikeInstance,
  looksLikeRegion,
  missing,
  normalize,
  region,
  shown,
  subcommandOf,
  tooMany,
  unknownSubcommand,
  usageHint,
  type Words,
  words,
} from './tokens.js';

export interface ParseOptions {
  /** the longest snooze allowed, in days (default 90) */
  maxSnoozeDays?: number;
}

export const isCommandError = (r: ParsedCommand | CommandError): r is CommandError => 'error' in r;

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

const REQUEST_ID = /^cr-[0-9a-f]{12}$/;

/** `rollback <instance-id> <reason>`, or `rollback <cr-id> <reason>` for every instance of a bulk. */
function parseRollback(w: Words): ParsedCommand | CommandError {
  const [first = ''] = w.tokens;
  const id = REQUEST_ID.test(first) ? first : leadingInstance('rollback', w);
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

/** The positional arguments of a change command, each checked by its own parser, in order. */
function positional(
  name: SubcommandName,
  w: Words,
  wanted: readonly { what: string; parse: (token: string) => string | CommandError }[],
): string[] | CommandError {
  if (w.tokens.length > wanted.length) return tooMany(name, w.rest(wanted.length));
  const values: string[] = [];
  for (const [i, want] of wanted.entries()) {
    const token = w.tokens[i];
    if (token === undefined) return missing(name, want.what);
    const value = want.parse(token);
    if (typeof value !== 'string') return value;
    values.push(value);
  }
  return values;
}

const ACCOUNT = { what: 'an account id', parse: accountId };
const REGION = { what: 'a region such as `eu-west-1`', parse: region };

function parseFixTemplate(w: Words): ParsedCommand | CommandError {
  const lt = { what: 'a launch template id (`lt-…`)', parse: launchTemplateId };
  const v = positional('fix-template', w, [ACCOUNT, REGION, lt]);
  if (!Array.isArray(v)) return v;
  const [account = '', where = '', template = ''] = v;
  return { name: 'fix-template', args: { accountId: account, region: where, launchTemplateId: template } };
}

function parseFixDefault(w: Words): ParsedCommand | CommandError {
  const v = positional('fix-default', w, [ACCOUNT, REGION]);
  if (!Array.isArray(v)) return v;
  const [account = '', where = ''] = v;
  return { name: 'fix-default', args: { accountId: account, region: where } };
}

/** `refresh <asg-name> <account-id> <region>`: an instance refresh of the group (after its template fix). */
function parseRefresh(w: Words): ParsedCommand | CommandError {
  const group = { what: 'an Auto Scaling group name', parse: asgName };
  const v = positional('refresh', w, [group, ACCOUNT, REGION]);
  if (!Array.isArray(v)) return v;
  const [name = '', account = '', where = ''] = v;
  return { name: 'refresh', args: { asgName: name, accountId: account, region: where } };
}

/** `--env nonprod` (or `--env=nonprod`) anywhere among the words: taken out, the rest kept in order. */
function envFlag(w: Words): { env: 'nonprod' | null; words: Words } | CommandError {
  const at = w.tokens.findIndex((t) => t === '--env' || t.startsWith('--env='));
  if (at < 0) return { env: null, words: w };
  const token = w.tokens[at] ?? '';
  const joined = token.startsWith('--env=');
  const value = joined ? token.slice('--env='.length) : w.tokens[at + 1];
  if (value !== 'nonprod')
    return fail(
      'bad-target',
      `${value === undefined ? '`--env` needs a value' : `${shown(value)} is not an environment`}: the one filter is \`--env nonprod\`. ${usageHint('enforce-ready')}`,
    );
  const tokens = w.tokens.filter((_, i) => i !== at && (joined || i !== at + 1));
  return { env: 'nonprod', words: { tokens, rest: (n: number) => tokens.slice(n).join(' ') } };
}

function parseEnforceReady(all: Words): ParsedCommand | CommandError {
  const flag = envFlag(all);
  if ('error' in flag) return flag;
  const w = flag.words;
  const env = flag.env === null ? {} : { env: flag.env };
  const [first, mention] = w.tokens;
  if (first === undefined) return missing('enforce-ready', 'an account id');
  if (w.tokens.length > 2) return tooMany('enforce-ready', w.rest(2));
  const id = accountId(first);
  if (typeof id !== 'string') return id;
  if (mention === undefined) return { name: 'enforce-ready', args: { accountId: id, owner: null, ...env } };
  const owner = /^<@([UW][A-Z0-9]+)>$/.exec(mention)?.[1];
  if (owner === undefined)
    return fail(
      'bad-target',
      `${shown(mention)} is not a Slack user: pick the person from the @ autocomplete so Slack sends their user id. ${usageHint('enforce-ready')}`,
    );
  return { name: 'enforce-ready', args: { accountId: id, owner, ...env } };
}

function parseFindCaller(w: Words): ParsedCommand | CommandError {
  const id = leadingInstance('find-caller', w);
  if (typeof id !== 'string') return id;
  return w.tokens.length > 1
    ? tooMany('find-caller', w.rest(1))
    : { name: 'find-caller', args: { instanceId: id } };
}

/** `guardrails [account-id]` */
function parseGuardrails(w: Words): ParsedCommand | CommandError {
  const [token] = w.tokens;
  if (token === undefined) return { name: 'guardrails', args: { accountId: null } };
  if (w.tokens.length > 1) return tooMany('guardrails', w.rest(1));
  const id = accountId(token);
  return typeof id === 'string' ? { name: 'guardrails', args: { accountId: id } } : id;
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
  'enforce-ready': parseEnforceReady,
  'fix-template': parseFixTemplate,
  'fix-default': parseFixDefault,
  guardrails: parseGuardrails,
  refresh: parseRefresh,
  'find-caller': parseFindCaller,
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
