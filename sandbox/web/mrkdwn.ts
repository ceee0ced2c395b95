import { EMOJI } from './emoji.js';
import { decodeSlackEntities, escapeHtml, safeLinkUrl } from './escape.js';

/** How the page names what a message mentions: <@U…> shows as @name, <#C…> as #name. */
export interface Names {
  user(id: string): string | undefined;
  channel(id: string): string | undefined;
}

const NUL = '\u0000';
const placeholder = (i: number): string => `${NUL}${i}${NUL}`;

/** Slack's special sequences: <@U…>, <#C…|name>, <!here>, <!subteam^S…|@h>, <!date^…|fallback>, <url|label>. */
function renderEntity(inner: string, names: Names): string {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : inner.slice(bar + 1);
  const text = (s: string) => escapeHtml(decodeSlackEntities(s));
  if (target.startsWith('@')) {
    const id = target.slice(1);
    const name = names.user(id) ?? label ?? id;
    return `<span class="mention" data-user="${escapeHtml(id)}">@${text(name)}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `<span class="mention channel">#${text(names.channel(id) ?? label ?? id)}</span>`;
  }
  if (target.startsWith('!')) return renderSpecial(target.slice(1), label, text);
  const href = safeLinkUrl(decodeSlackEntities(target));
  if (!href) return `<span class="refused-link">${text(label ?? target)}</span>`;
  return `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${text(label ?? target)}</a>`;
}

function renderSpecial(target: string, label: string | undefined, text: (s: string) => string): string {
  if (['here', 'channel', 'everyone'].includes(target)) return `<span class="mention">@${target}</span>`;
  if (target.startsWith('subteam^')) {
    return `<span class="mention">${text(label ?? `@${target.slice('subteam^'.length)}`)}</span>`;
  }
  if (target.startsWith('date^')) {
    const seconds = Number(target.split('^')[1]);
    const shown = Number.isFinite(seconds)
      ? new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')
      : '';
    return `<time>${text(shown ? `${shown} UTC` : (label ?? ''))}</time>`;
  }
  return text(label ?? target);
}

/** Bold, italic, strike on already-escaped text (so the markers are the only markup added). */
function renderEmphasis(html: string): string {
  const edge = '(^|[^\\p{L}\\p{N}*_~`])';
  const end = '(?=$|[^\\p{L}\\p{N}])';
  // `m` as written inside a u-flag pattern: only * needs a backslash
  const mark = (m: string) => {
    const q = m === '*' ? '\\*' : m;
    return new RegExp(`${edge}${q}(?!\\s)([^\\n${q}]*?[^\\s${q}])${q}${end}`, 'gu');
  };
  return html
    .replace(mark('*'), '$1<b>$2</b>')
    .replace(mark('_'), '$1<i>$2</i>')
    .replace(mark('~'), '$1<s>$2</s>');
}

function renderEmoji(html: string): string {
  return html.replace(/:([a-z0-9_+-]+):/g, (whole, code: string) => EMOJI[code] ?? whole);
}

function renderLines(html: string): string {
  const lines = html.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    if (line.startsWith('&gt; ') || line === '&gt;') out.push(`<blockquote>${line.slice(5)}</blockquote>`);
    else out.push(line);
  }
  return out.join('<br>').replace(/<\/blockquote><br>/g, '</blockquote>');
}

/**
 * Slack mrkdwn as HTML: ```pre```, `code`, *bold*, _italic_, ~strike~, > quotes, links (http(s)
 * and mailto only), mentions as names, :emoji:. Text is decoded from Slack's escaping once and
 * HTML-escaped once; nothing the sender wrote becomes markup.
 */
export function renderMrkdwn(source: string, names: Names): string {
  const held: string[] = [];
  const hold = (html: string) => placeholder(held.push(html) - 1);
  let text = source.replaceAll(NUL, '');
  text = text.replace(/```([\s\S]*?)```/g, (_, body: string) =>
    hold(`<pre>${escapeHtml(decodeSlackEntities(body))}</pre>`),
  );
  text = text.replace(/`([^`\n]+)`/g, (_, body: string) =>
    hold(`<code>${escapeHtml(decodeSlackEntities(body))}</code>`),
  );
  text = text.replace(/<([^<>\n]+)>/g, (_, inner: string) => hold(renderEntity(inner, names)));
  let html = escapeHtml(decodeSlackEntities(text));
  html = renderLines(renderEmoji(renderEmphasis(html)));
  return html.replace(new RegExp(`${NUL}(\\d+)${NUL}`, 'g'), (_, i: string) => held[Number(i)] ?? '');
}

/** A text object: mrkdwn rendered, plain_text shown as written (emoji codes as characters). */
export function renderTextObject(value: unknown, names: Names): string {
  if (!value || typeof value !== 'object') return '';
  const { type, text } = value as { type?: unknown; text?: unknown };
  if (typeof text !== 'string') return '';
  if (type === 'mrkdwn') return renderMrkdwn(text, names);
  return renderEmoji(escapeHtml(text.replaceAll(NUL, '')));
}
