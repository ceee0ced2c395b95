import { type Rendered, renderBlocks } from './blocks.js';
import { escapeHtml, localImageUrl } from './escape.js';
import { type Names, renderMrkdwn } from './mrkdwn.js';

/** A message as the sandbox's state API sends it (the fake Slack's StoredMessage, files resolved). */
export interface PageMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | undefined;
  thread_ts: string | undefined;
  user: string;
  edits: number;
  files: PageFile[];
  /** set for an ephemeral message: only that user sees it */
  ephemeralFor?: string;
}

export interface PageFile {
  id: string;
  name: string;
  title: string;
  /** /files/<id>/<name> on the sandbox */
  url: string;
  image: boolean;
}

function renderFile(f: PageFile): string {
  const url = localImageUrl(f.url);
  const title = escapeHtml(f.title || f.name);
  if (!url) return `<div class="file">📎 ${title}</div>`;
  const preview = f.image ? `<img src="${escapeHtml(url)}" alt="${title}">` : '';
  return `<div class="file">${preview}<a href="${escapeHtml(url)}" download>📎 ${title}</a></div>`;
}

/** When a Slack ts (seconds.micros) was, as HH:MM UTC. */
export function timeOf(ts: string): string {
  const seconds = Number(ts.split('.')[0]);
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().slice(11, 16) : '';
}

/**
 * One message: its author, time, "(edited)" after chat.update, blocks (or its text when it has
 * none), files. `data-ts` lets the page keep the message in place when it is updated.
 */
export function renderMessage(m: PageMessage, names: Names, replies = 0): Rendered {
  const blocks = m.blocks && m.blocks.length > 0 ? renderBlocks(m.blocks, names) : undefined;
  const body = blocks ? blocks.html : `<div class="bk-text">${renderMrkdwn(m.text, names)}</div>`;
  const author = escapeHtml(names.user(m.user) ?? m.user);
  const edited = m.edits > 0 ? ' <span class="edited">(edited)</span>' : '';
  const only = m.ephemeralFor ? '<div class="ephemeral">Only visible to you</div>' : '';
  const thread =
    replies > 0
      ? `<button type="button" class="thread-link" data-thread="${escapeHtml(m.ts)}">${replies} ${replies === 1 ? 'reply' : 'replies'}</button>`
      : '';
  const html = `<article class="message${m.ephemeralFor ? ' is-ephemeral' : ''}" data-ts="${escapeHtml(m.ts)}">${only}<div class="meta"><b>${author}</b> <time>${timeOf(m.ts)}</time>${edited}</div>${body}${m.files.map(renderFile).join('')}${thread}</article>`;
  return { html, elements: blocks ? blocks.elements : [] };
}
