import type { KnownBlock, MrkdwnElement, PlainTextElement } from '@slack/types';

/**
 * Small pure helpers shared by the Block Kit builders: escaping, truncation, text objects, and the
 * Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
 */

export type Block = KnownBlock;

export const LIMITS = {
  blocksPerMessage: 50,
  /** documented nowhere; messages fail near 13k characters of serialized blocks in practice */
  serializedBlocks: 12_000,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  actionsElements: 25,
  contextElements: 10,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  messageText: 4000,
} as const;

/** The three characters Slack requires escaped in mrkdwn and plain text. */
export const escapeText = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * At most `max` UTF-16 code units (the strictest way to count), cut between grapheme clusters so an
 * emoji or an accented letter is never split, ending with '…' when cut.
 */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const { segment } of graphemes.segment(s)) {
    if (out.length + segment.length > max - 1) break;
    out += segment;
  }
  return `${out}…`;
}

/** Escape first, then truncate without cutting an entity such as `&amp;` in half. */
export function safeText(s: string, max: number): string {
  const escaped = escapeText(s);
  if (escaped.length <= max) return escaped;
  const cut = truncate(escaped, max);
  return cut.replace(/&[a-z]{0,3}…$/, '…');
}

export const plain = (text: string, max: number = LIMITS.sectionText): PlainTextElement => ({
  type: 'plain_text',
  text: truncate(text, max),
});

export const mrkdwn = (text: string): MrkdwnElement => ({
  type: 'mrkdwn',
  text: truncate(text, LIMITS.sectionText),
});

/** What `chat.postMessage` sends for `blocks`: the JSON text Slack measures. */
export const serializedLength = (blocks: readonly unknown[]): number => JSON.stringify(blocks).length;

/** Singular or plural: `count(1, 'instance')` is '1 instance', `count(2, 'instance')` '2 instances'. */
export const count = (n: number, noun: string, plural = `${noun}s`): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? noun : plural}`;

/** '5 min ago', '3 h ago', '2 d ago' from an ISO time, relative to `now`; the date when unparseable. */
export function ago(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  if (ms < 3_600_000) return `${Math.max(0, Math.floor(ms / 60_000))} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}
