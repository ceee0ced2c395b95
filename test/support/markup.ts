/**
 * What a hostile string must never become once it reaches Slack: live markup. `liveMarkup` walks any
 * payload the bot sends (message arguments, a response_url body, a view) and lists every place where
 * a `<` or `>` is not part of a token the bot itself builds (a mention of an id the test knows, a
 * date, a link to an allowed host), every plain_text carrying `<@`, `<!` or `<#`, and every text
 * still holding a bidi control or a line/paragraph separator from the data.
 */

export interface MarkupRules {
  /** user, channel and user-group ids the bot may mention (resolved and validated by it) */
  ids: ReadonlySet<string>;
  /** hosts the bot may link to */
  linkHosts: readonly string[];
}

const TOKEN = /<(@|#|!subteam\^)([A-Z0-9]+)>|<!date\^\d+\^[^|<>]+\|[^<>|]*>|<(https:\/\/[^<>|\s]+)\|[^<>]*>/g;
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

function mrkdwnProblems(text: string, rules: MarkupRules): string[] {
  const problems: string[] = [];
  const rest = text.replace(
    TOKEN,
    (whole, kind: string | undefined, id: string | undefined, url?: string) => {
      if (kind !== undefined && id !== undefined && !rules.ids.has(id)) problems.push(`mention of ${id}`);
      if (url !== undefined && !rules.linkHosts.includes(new URL(url.replace(/&amp;/g, '&')).host))
        problems.push(`link to ${url}`);
      return whole.startsWith('<!date') || url !== undefined ? 'TOKEN' : '';
    },
  );
  const at = rest.search(/[<>]/);
  if (at >= 0) problems.push(`raw ${rest[at]} in …${rest.slice(Math.max(0, at - 30), at + 30)}…`);
  if (/&amp;lt;[@!#]/.test(text)) problems.push('double escaping');
  return problems;
}

function textProblems(type: string, text: string, rules: MarkupRules): string[] {
  const problems = INVISIBLE.test(text) ? ['an invisible or separator character'] : [];
  if (type === 'plain_text') return /<[@!#]/.test(text) ? [...problems, 'mrkdwn in plain_text'] : problems;
  return [...problems, ...mrkdwnProblems(text, rules)];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null;

function walk(v: unknown, path: string, rules: MarkupRules, out: string[]): void {
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      walk(item, `${path}[${i}]`, rules, out);
    });
    return;
  }
  if (!isObject(v)) return;
  const type = typeof v.type === 'string' ? v.type : null;
  for (const [key, value] of Object.entries(v)) {
    if (typeof value !== 'string') {
      walk(value, `${path}.${key}`, rules, out);
      continue;
    }
    const textType = key === 'text' && (type === 'plain_text' || type === 'mrkdwn') ? type : null;
    const messageText = key === 'text' && textType === null && path.split('.').length <= 2;
    const commentText = key === 'initial_comment' || key === 'comment';
    if (textType === null && !messageText && !commentText) continue;
    for (const p of textProblems(textType ?? 'mrkdwn', value, rules)) out.push(`${path}.${key}: ${p}`);
  }
}

/** Every live-markup problem in a payload; empty when none. */
export function liveMarkup(payload: unknown, rules: MarkupRules, where = '$'): string[] {
  const out: string[] = [];
  walk(payload, where, rules, out);
  return out;
}

/** The hostile values every message kind is fed. */
export const HOSTILE: readonly string[] = [
  '<!channel> please look',
  '<!here>',
  '<!everyone>',
  '<@U123>',
  '<#C123>',
  '<!subteam^S123>',
  '<https://evil.example|click>',
  '*bold* _it_ ~s~',
  '`code` ```block```',
  '&amp; &lt;b&gt;',
  `x${'y'.repeat(2998)}<`,
  'abc\u202Egnp.exe',
  'a\u061Cb',
  'line\u2028next\u2029para',
];
