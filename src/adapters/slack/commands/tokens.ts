import { code, decodeSlack } from '../text.js';
import { usage } from './help.js';
import {
  AccountId,
  AsgName,
  type CommandError,
  type CommandErrorCode,
  InstanceId,
  LaunchTemplateId,
  RegionName,
  SUBCOMMANDS,
  SubcommandName,
} from './schema.js';

/** The words of a `/imds` command and the checks of each argument, with their coded error replies. */

export const fail = (error: CommandErrorCode, message: string): CommandError => ({ error, message });

/** A user's token (as Slack sent it, escaped), shown back inside backticks: decoded, shortened, escaped once. */
export const shown = (token: string): string => code(decodeSlack(token), 40).text;
export const usageHint = (name: SubcommandName): string => `Usage: ${code(usage(name)).text}`;

/** Undo what Slack and phones do to typed text: link wrappers, smart quotes, zero-width spaces. */
export function normalize(text: string): string {
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
export const clean = (token: string): string => token.replace(/^[`'"([]+/, '').replace(/[`'",.;:)\]]+$/, '');

/** Free text (reason, note): Slack's HTML entities decoded, one pair of wrapping quotes dropped. */
export function freeText(raw: string): string | null {
  const decoded = decodeSlack(raw).trim();
  const unquoted = /^(["'`])(.*)\1$/s.exec(decoded)?.[2]?.trim() ?? decoded;
  return unquoted === '' ? null : unquoted;
}

export interface Words {
  readonly tokens: readonly string[];
  /** the raw text from token `i` to the end */
  rest(i: number): string;
}

export function words(text: string): Words {
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

export function unknownSubcommand(token: string): CommandError {
  const word = token.toLowerCase();
  const scored = SUBCOMMANDS.map((n) => ({ n, d: levenshtein(word, n) })).filter((s) => s.d <= 2);
  const best = scored.sort((x, y) => x.d - y.d)[0];
  const hint =
    best === undefined
      ? `Subcommands: ${SUBCOMMANDS.join(', ')}.`
      : `Did you mean \`${best.n}\`? See \`/imds help\`.`;
  // the token is cut shorter than elsewhere: the list of subcommands grows, the line must stay short
  return fail('unknown-subcommand', `Unknown subcommand ${code(decodeSlack(token), 24).text}. ${hint}`);
}

export const subcommandOf = (token: string): SubcommandName | null => {
  const parsed = SubcommandName.safeParse(clean(token).toLowerCase());
  return parsed.success ? parsed.data : null;
};

export function instanceId(token: string): string | CommandError {
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

export const looksLikeAccount = (t: string): boolean => /^[\d-]+$/.test(t);
export const looksLikeRegion = (t: string): boolean => /^[a-z]{2}-/i.test(t);
export const looksLikeInstance = (t: string): boolean => /^i-/i.test(t);

export function accountId(token: string): string | CommandError {
  const digits = clean(token).replace(/-/g, '');
  if (AccountId.safeParse(digits).success) return digits;
  return fail(
    'bad-account-id',
    `${shown(token)} is not an account id (it has ${digits.length} digits): use the 12-digit AWS account id, e.g. \`123456789012\`.`,
  );
}

export function region(token: string): string | CommandError {
  const t = clean(token).toLowerCase();
  if (RegionName.safeParse(t).success) return t;
  return fail(
    'bad-region',
    `${shown(token)} is not a region: use a region code such as \`eu-west-1\` or \`us-east-1\`.`,
  );
}

/** An Auto Scaling group name as typed (Slack's entities decoded, wrapping backticks or quotes dropped). */
export function asgName(token: string): string | CommandError {
  const t = decodeSlack(token).replace(/^([`'"])(.*)\1$/, '$2');
  if (AsgName.safeParse(t).success && !looksLikeAccount(t)) return t;
  return fail(
    'bad-target',
    `${shown(token)} is not an Auto Scaling group name: the group comes first, e.g. \`/imds refresh web-asg 123456789012 eu-west-1\`.`,
  );
}

export function launchTemplateId(token: string): string | CommandError {
  const t = clean(token).toLowerCase();
  if (LaunchTemplateId.safeParse(t).success) return t;
  return fail(
    'bad-target',
    `${shown(token)} is not a launch template id: use \`lt-\` followed by 17 hex characters, e.g. \`lt-0123456789abcdef0\`.`,
  );
}

const DAY_MS = 86_400_000;
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };
const DURATION = /^(\d{1,6})(m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$/i;

export function duration(
  token: string,
  maxDays: number,
): { duration: string; durationMs: number } | CommandError {
  const accepted = `Use a number and a unit: m (minutes), h (hours), d (days) or w (weeks), e.g. \`3d\`, at most ${maxDays} days.`;
  const m = DURATION.exec(clean(token));
  const unit = m?.[2]?.[0]?.toLowerCase() ?? '';
  const ms = Number(m?.[1] ?? 0) * (UNITS[unit] ?? 0);
  if (m === null || ms === 0) return fail('bad-duration', `${shown(token)} is not a duration. ${accepted}`);
  if (ms > maxDays * DAY_MS) return fail('bad-duration', `${shown(token)} is too long. ${accepted}`);
  return { duration: `${Number(m[1])}${unit}`, durationMs: ms };
}

export const missing = (name: SubcommandName, what: string): CommandError =>
  fail('missing-argument', `\`/imds ${name}\` needs ${what}. ${usageHint(name)}`);

export const tooMany = (name: SubcommandName, extra: string): CommandError =>
  fail('too-many-arguments', `Too many arguments for \`/imds ${name}\`: ${shown(extra)}. ${usageHint(name)}`);
