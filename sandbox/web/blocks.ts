import { escapeHtml, localImageUrl } from './escape.js';
import { type Names, renderMrkdwn, renderTextObject } from './mrkdwn.js';

/**
 * Block Kit as HTML, for the sandbox page. Pure: blocks in, HTML and the interactive elements out.
 * Every interactive element is `data-el="<n>"`, n indexing `elements`, so the page sends back the
 * element the bot built (action_id, value, confirm) rather than anything read from the DOM.
 */

export type Rec = Record<string, unknown>;

export interface Interactive {
  block_id: string;
  element: Rec;
}

export interface Rendered {
  html: string;
  elements: Interactive[];
}

const rec = (v: unknown): Rec | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : undefined;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Renders into `out`, registering interactive elements in `elements`. */
export class BlockRenderer {
  readonly elements: Interactive[] = [];

  constructor(private readonly names: Names) {}

  text(value: unknown): string {
    return renderTextObject(value, this.names);
  }

  mrkdwn(text: string): string {
    return renderMrkdwn(text, this.names);
  }

  blocks(blocks: unknown): string {
    return list(blocks)
      .map((b, i) => this.block(rec(b) ?? {}, i))
      .join('');
  }

  private block(b: Rec, index: number): string {
    const blockId = str(b.block_id) || `b${index}`;
    switch (b.type) {
      case 'header':
        return `<h3 class="bk-header">${this.text(b.text)}</h3>`;
      case 'section':
        return this.section(b, blockId);
      case 'context':
        return `<div class="bk-context">${list(b.elements)
          .map((e) => this.contextElement(rec(e) ?? {}))
          .join('')}</div>`;
      case 'divider':
        return '<hr class="bk-divider">';
      case 'actions':
        return `<div class="bk-actions">${list(b.elements)
          .map((e) => this.element(rec(e) ?? {}, blockId))
          .join('')}</div>`;
      case 'image':
        return `<figure class="bk-image">${b.title ? `<figcaption>${this.text(b.title)}</figcaption>` : ''}${this.image(b)}</figure>`;
      case 'input':
        return this.input(b, blockId, undefined);
      default:
        return `<div class="bk-unknown">[${escapeHtml(str(b.type) || 'block')} not shown in the sandbox]</div>`;
    }
  }

  private section(b: Rec, blockId: string): string {
    const text = b.text ? `<div class="bk-text">${this.text(b.text)}</div>` : '';
    const fields = list(b.fields);
    const grid = fields.length
      ? `<div class="bk-fields">${fields.map((f) => `<div class="bk-field">${this.text(f)}</div>`).join('')}</div>`
      : '';
    const acc = rec(b.accessory);
    const accessory = acc ? `<div class="bk-accessory">${this.element(acc, blockId)}</div>` : '';
    return `<section class="bk-section"><div class="bk-body">${text}${grid}</div>${accessory}</section>`;
  }

  private contextElement(e: Rec): string {
    if (e.type === 'image') return this.image(e, 'bk-context-image');
    return `<span>${this.text(e)}</span>`;
  }

  image(e: Rec, cls = ''): string {
    const alt = str(e.alt_text);
    const url = localImageUrl(str(e.image_url));
    if (!url)
      return `<span class="bk-image-alt ${cls}" title="not loaded: the sandbox loads nothing from the internet">[${escapeHtml(alt || 'image')}]</span>`;
    return `<img class="${cls}" src="${escapeHtml(url)}" alt="${escapeHtml(alt)}">`;
  }

  private register(element: Rec, blockId: string): number {
    return this.elements.push({ block_id: blockId, element }) - 1;
  }

  /** Buttons, static selects, overflow menus; others are named, not faked. */
  element(e: Rec, blockId: string): string {
    switch (e.type) {
      case 'button': {
        const style = e.style === 'primary' || e.style === 'danger' ? ` ${e.style}` : '';
        const n = this.register(e, blockId);
        const url = e.url ? ' data-url="1"' : '';
        return `<button type="button" class="bk-button${style}" data-el="${n}"${url}>${this.text(e.text)}</button>`;
      }
      case 'static_select':
      case 'overflow':
        return this.select(e, blockId);
      case 'image':
        return this.image(e, 'bk-accessory-image');
      default:
        return `<span class="bk-unknown">[${escapeHtml(str(e.type) || 'element')}]</span>`;
    }
  }

  private options(e: Rec, initial: string): string {
    const option = (o: unknown) => {
      const r = rec(o) ?? {};
      const selected = initial && r.value === initial ? ' selected' : '';
      return `<option value="${escapeHtml(str(r.value))}"${selected}>${escapeHtml(str(rec(r.text)?.text))}</option>`;
    };
    const groups = list(e.option_groups);
    if (groups.length) {
      return groups
        .map((g) => {
          const r = rec(g) ?? {};
          return `<optgroup label="${escapeHtml(str(rec(r.label)?.text))}">${list(r.options).map(option).join('')}</optgroup>`;
        })
        .join('');
    }
    return list(e.options).map(option).join('');
  }

  private select(e: Rec, blockId: string, inputOf?: string): string {
    const n = this.register(e, blockId);
    const placeholder = str(rec(e.placeholder)?.text) || (e.type === 'overflow' ? '⋯' : 'Select an item');
    const initial = str(rec(e.initial_option)?.value);
    const attrs = inputOf ? ` data-input="${n}"` : ` data-el="${n}"`;
    const opts = this.options(e, initial);
    return `<select class="bk-select"${attrs}><option value="" disabled${initial ? '' : ' selected'}>${escapeHtml(placeholder)}</option>${opts}</select>`;
  }

  /** An input block of a modal; `error` is the view_submission's errors[block_id]. */
  input(b: Rec, blockId: string, error: string | undefined): string {
    const e = rec(b.element) ?? {};
    const label = this.text(b.label);
    const optional = b.optional === true ? ' <span class="bk-optional">(optional)</span>' : '';
    const hint = b.hint ? `<div class="bk-hint">${this.text(b.hint)}</div>` : '';
    const err = error ? `<div class="bk-error" role="alert">${escapeHtml(error)}</div>` : '';
    return `<div class="bk-input${error ? ' has-error' : ''}" data-block="${escapeHtml(blockId)}"><label>${label}${optional}</label>${this.inputElement(e, blockId)}${hint}${err}</div>`;
  }

  private inputElement(e: Rec, blockId: string): string {
    if (e.type === 'static_select') return this.select(e, blockId, blockId);
    if (e.type !== 'plain_text_input') return this.element(e, blockId);
    const n = this.register(e, blockId);
    const placeholder = escapeHtml(str(rec(e.placeholder)?.text));
    const value = escapeHtml(str(e.initial_value));
    const max = typeof e.max_length === 'number' ? ` maxlength="${e.max_length}"` : '';
    if (e.multiline === true)
      return `<textarea class="bk-text-input" data-input="${n}" placeholder="${placeholder}"${max}>${value}</textarea>`;
    return `<input class="bk-text-input" data-input="${n}" placeholder="${placeholder}" value="${value}"${max}>`;
  }
}

/** Blocks as HTML with their interactive elements. */
export function renderBlocks(blocks: unknown, names: Names): Rendered {
  const r = new BlockRenderer(names);
  const html = r.blocks(blocks);
  return { html, elements: r.elements };
}

/** A confirm dialog object ({ title, text, confirm, deny, style }) as the inside of a <dialog>. */
export function renderConfirm(confirm: unknown, names: Names): string {
  const c = rec(confirm) ?? {};
  const r = new BlockRenderer(names);
  const style = c.style === 'danger' ? 'danger' : 'primary';
  const yes = r.text(c.confirm) || 'Yes';
  const no = r.text(c.deny) || 'Cancel';
  return `<h3>${r.text(c.title)}</h3><div class="bk-text">${r.text(c.text)}</div><div class="dialog-buttons"><button type="button" value="deny" class="bk-button">${no}</button><button type="button" value="confirm" class="bk-button ${style}">${yes}</button></div>`;
}

/**
 * A modal: title, blocks (input blocks with their errors), close and submit buttons. The inputs are
 * `data-input="<n>"` inside `data-block="<block_id>"`; stateValues() turns them into state.values.
 */
export function renderModal(view: unknown, errors: Readonly<Record<string, string>>, names: Names): Rendered {
  const v = rec(view) ?? {};
  const r = new BlockRenderer(names);
  const body = list(v.blocks)
    .map((b, i) => {
      const block = rec(b) ?? {};
      const blockId = str(block.block_id) || `b${i}`;
      if (block.type === 'input') return r.input(block, blockId, errors[blockId]);
      return r.blocks([block]);
    })
    .join('');
  const submit = v.submit
    ? `<button type="submit" class="bk-button primary" data-modal="submit">${r.text(v.submit)}</button>`
    : '';
  const close = `<button type="button" class="bk-button" data-modal="close">${r.text(v.close) || 'Cancel'}</button>`;
  const html = `<header class="modal-title">${r.text(v.title)}</header><div class="modal-body">${body}</div><footer class="modal-buttons">${close}${submit}</footer>`;
  return { html, elements: r.elements };
}

/** What an input holds, as the page read it from the DOM: element index → value. */
export type InputValues = ReadonlyMap<number, string>;

/** state.values as Slack sends it in view_submission: { block_id: { action_id: { type, value | selected_option } } }. */
export function stateValues(
  elements: readonly Interactive[],
  values: InputValues,
): Record<string, Record<string, Rec>> {
  const out: Record<string, Record<string, Rec>> = {};
  elements.forEach((item, n) => {
    const value = values.get(n);
    if (value === undefined) return;
    const actionId = str(item.element.action_id) || `a${n}`;
    const block = out[item.block_id] ?? {};
    block[actionId] = inputValue(item.element, value);
    out[item.block_id] = block;
  });
  return out;
}

function inputValue(element: Rec, value: string): Rec {
  if (element.type !== 'static_select') return { type: str(element.type), value };
  const option = selectedOption(element, value);
  return { type: 'static_select', selected_option: option ?? null };
}

/** The option of a select whose value is `value`, as the bot defined it. */
export function selectedOption(element: Rec, value: string): Rec | undefined {
  const all = [
    ...list(element.options),
    ...list(element.option_groups).flatMap((g) => list(rec(g)?.options)),
  ].map((o) => rec(o) ?? {});
  return all.find((o) => o.value === value);
}
