import type { ContextBlock, HeaderBlock, MrkdwnElement, PlainTextElement, SectionBlock } from '@slack/types';
import { esc, oneLine } from '../../domain/untrusted.js';

const SECTION_MAX = 3000;
const MESSAGE_TEXT_MAX = 4000;
/** How much of one value (a reason, a name, an error message) a line shows. */
export const VALUE_MAX = 500;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** At most `max` UTF-16 units, cut between grapheme clusters, ending with '…' when cut. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const { segment } of graphemes.segment(s)) {
    if (out.length + segment.length > max - 1) break;
    out += segment;
  }
  return `${out}…`;
}

const OWN = Symbol('text.ts');

/** Finished mrkdwn. Only this module makes one (the key is not exported), from escaped data and checked tokens. */
export class Mrkdwn {
  constructor(
    key: typeof OWN,
    readonly text: string,
  ) {
    if (key !== OWN) throw new TypeError('Mrkdwn is built by src/slack/text.ts only');
  }
  toString(): string {
    return this.text;
  }
}
const mk = (text: string): Mrkdwn => new Mrkdwn(OWN, text);

export type Part = Mrkdwn | string | number;

/** Grouped for reading: 3333306 → '3,333,306'. */
export const num = (n: number): string => n.toLocaleString('en-US');

/** A value as mrkdwn: a number grouped, a string made one line, capped and escaped. */
export const value = (v: Part, max: number = VALUE_MAX): string => {
  if (v instanceof Mrkdwn) return v.text;
  if (typeof v === 'number') return num(v);
  const escaped = esc(oneLine(v));
  return escaped.length <= max ? escaped : clip(escaped, max).replace(/&[a-z]{0,4}…$/, '…');
};

/**
 * What a person typed, as Slack sends it (slash-command text arrives with `& < >` escaped): decoded
 * once, so that `md` escapes it exactly once again.
 */
export const decodeSlack = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** One value, escaped, capped at `max` instead of VALUE_MAX. */
export const capped = (v: string, max: number): Mrkdwn => mk(value(v, max));

/** mrkdwn from a template: the literal parts are the bot's, every value is data (see `value`). */
export function md(strings: TemplateStringsArray, ...values: Part[]): Mrkdwn {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += value(v) + (strings[i + 1] ?? '');
  });
  return mk(out);
}

/**
 * mrkdwn that bot code already built with its data escaped: policy messages from src/domain and
 * src/change (their values go through `esc`), command errors from the parser, notes read back
 * from Redis. Never for text a person or AWS wrote.
 */
export const trusted = (text: string): Mrkdwn => mk(text);

/** Parts joined by `sep` (the bot's own text); empty parts (null, false, '') left out. */
export function join(parts: readonly (Part | null | false | undefined)[], sep: string | Mrkdwn): Mrkdwn {
  const kept = parts.filter(
    (p): p is Part =>
      p !== null && p !== false && p !== undefined && (p instanceof Mrkdwn ? p.text : p) !== '',
  );
  return mk(kept.map((p) => value(p)).join(value(sep instanceof Mrkdwn ? sep : trusted(sep))));
}

/** One line each; empty ones left out. */
export const lines = (...parts: (Part | null | false | undefined)[]): Mrkdwn => join(parts, '\n');

// ---- tokens only the bot builds, from ids and URLs it checked -------------------------------------

const USER_ID = /^[UW][A-Z0-9]{2,20}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,20}$/;
const GROUP_ID = /^S[A-Z0-9]{2,20}$/;

/** `<@U…>` for a real user id; anything else is shown as text. */
export const user = (id: string): Mrkdwn => (USER_ID.test(id) ? mk(`<@${id}>`) : md`${id}`);
/** `<#C…>` for a real channel id; anything else is shown as text. */
export const channel = (id: string): Mrkdwn => (CHANNEL_ID.test(id) ? mk(`<#${id}>`) : md`${id}`);
/** `<!subteam^S…>` for a real user-group id; anything else is shown as text. */
export const usergroup = (id: string): Mrkdwn => (GROUP_ID.test(id) ? mk(`<!subteam^${id}>`) : md`${id}`);
/** A user, channel or user-group id, by its first letter. */
export const mention = (id: string): Mrkdwn =>
  GROUP_ID.test(id) ? usergroup(id) : CHANNEL_ID.test(id) ? channel(id) : user(id);

/** `<https://…|label>` for an http(s) URL (normalized, `|` encoded); the label is data. */
export function link(url: string, label: Part): Mrkdwn {
  let href: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return md`${label}`;
    href = u.href.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E');
  } catch {
    return md`${label}`;
  }
  return mk(`<${href.replace(/&/g, '&amp;')}|${value(label, 200)}>`);
}

/** A date every reader sees in their own time zone; `fallback` where Slack cannot render it. */
export function date(at: Date, format = '{date_short_pretty} {time}'): Mrkdwn {
  const ms = at.getTime();
  if (Number.isNaN(ms)) return md`an unknown time`;
  const iso = at.toISOString();
  const fallback = format.includes('{time}') ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : iso.slice(0, 10);
  return mk(`<!date^${Math.floor(ms / 1000)}^${format}|${esc(fallback)}>`);
}

/** Inline code: data shown verbatim, its backticks replaced so it cannot close the span. */
export const code = (v: string, max = 120): Mrkdwn => {
  const s = clip(oneLine(v), max).replace(/`/g, "'");
  return s.trim() === '' ? md`''` : mk(`\`${esc(s)}\``);
};

/**
 * A preformatted block of several lines (an IaC snippet, a process list): escaped, capped at `max`,
 * line breaks kept and other controls dropped, its backtick runs defused so it cannot close the block.
 */
export const codeBlock = (v: string, max = 2500): Mrkdwn => {
  const body = clip(v, max).split(/\r?\n/).map(oneLine).join('\n').replace(/`/g, "'");
  return mk(`\`\`\`${esc(body.trim() === '' ? ' ' : body)}\`\`\``);
};

/** Bold, for the bot's labels and data alike. */
export const bold = (v: Part): Mrkdwn => mk(`*${value(v)}*`);

/** '1 instance', '2 instances', grouped. */
export const count = (n: number, noun: string, plural = `${noun}s`): string =>
  `${num(n)} ${n === 1 ? noun : plural}`;

// ---- into Block Kit ---------------------------------------------------------------------------------

/**
 * mrkdwn shortened to `max` without breaking what it holds: never inside an entity (`&amp;`) or a
 * token (`<@U…>`), which would leave a stray `<` or half an escape.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = clip(text, max).slice(0, -1);
  const open = cut.lastIndexOf('<');
  if (open > cut.lastIndexOf('>')) cut = cut.slice(0, open);
  cut = cut.replace(/&[a-z]{0,4}$/, '');
  const ticks = (cut.match(/`/g) ?? []).length;
  return `${cut}${ticks % 2 === 1 ? '`' : ''}…`;
}

export const mrkdwnText = (m: Mrkdwn, max = SECTION_MAX): MrkdwnElement => ({
  type: 'mrkdwn',
  text: truncateMrkdwn(m.text, max),
});

/**
 * plain_text from the bot's words and data alike: one line, capped; `<@`, `<!`, `<#` defused with
 * a look-alike angle (Slack would print them literally, so a header can never look like a mention).
 */
export const plainText = (s: string, max = SECTION_MAX): PlainTextElement => ({
  type: 'plain_text',
  text: clip(oneLine(s).replace(/<(?=[@!#])/g, '‹'), max),
});

export const section = (m: Mrkdwn): SectionBlock => ({ type: 'section', text: mrkdwnText(m) });
export const context = (...ms: Mrkdwn[]): ContextBlock => ({
  type: 'context',
  elements: ms.map((m) => mrkdwnText(m)),
});
export const header = (s: string): HeaderBlock => ({ type: 'header', text: plainText(s, 150) });

/** The notification `text` of a message (what pushes and screen readers show): mrkdwn, ≤ 4,000. */
export const notification = (m: Mrkdwn): string => truncateMrkdwn(m.text, MESSAGE_TEXT_MAX);
