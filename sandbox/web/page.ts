/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import {
  type Interactive,
  renderBlocks,
  renderConfirm,
  renderModal,
  selectedOption,
  stateValues,
} from './blocks.js';
import { escapeHtml } from './escape.js';
import { renderMessage } from './message.js';
import type { Names } from './mrkdwn.js';
import type { ControlAnswer, PageState } from './types.js';

/**
 * The sandbox page: one user's view of the workspace. Everything shown comes from the fake Slack's
 * state API and goes through the renderer; every click goes back as the element the bot built.
 */

const $ = <T extends Element = HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`missing ${sel}`);
  return el;
};

let state: PageState | null = null;
let me = new URLSearchParams(location.search).get('user') ?? '';
let open = 'home';
/** the elements of what is on screen, by the container they were rendered into */
const registry = new WeakMap<Element, Interactive[]>();

const api = async <T>(path: string, body?: unknown): Promise<T> => {
  const res = await fetch(
    path,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  return (await res.json()) as T;
};

function names(s: PageState): Names {
  const users = new Map(s.users.map((u) => [u.id, u.name]));
  users.set(s.bot.id, s.bot.name);
  const channels = new Map(s.channels.map((c) => [c.id, c.name]));
  return { user: (id) => users.get(id), channel: (id) => channels.get(id) };
}

async function refresh(): Promise<void> {
  state = await api<PageState>(`/sandbox/api/state?user=${encodeURIComponent(me)}`);
  me = state.me;
  if (!state.channels.some((c) => c.id === open) && open !== 'home') open = 'home';
  draw(state);
}

function draw(s: PageState): void {
  drawSwitcher(s);
  drawSidebar(s);
  drawConversation(s);
  drawModal(s);
  drawControls(s);
}

function drawSwitcher(s: PageState): void {
  const sel = $<HTMLSelectElement>('#user-switcher');
  sel.innerHTML = s.users
    .map(
      (u) =>
        `<option value="${escapeHtml(u.id)}"${u.id === s.me ? ' selected' : ''}>${escapeHtml(u.real_name)}${u.role ? ` — ${escapeHtml(u.role)}` : ''}</option>`,
    )
    .join('');
}

function drawSidebar(s: PageState): void {
  const item = (id: string, label: string, extra = '') =>
    `<li><button type="button" data-open="${escapeHtml(id)}" class="${id === open ? 'current' : ''}">${label}${extra}</button></li>`;
  const channels = s.channels.filter((c) => c.kind === 'channel');
  const mine = s.channels.find((c) => c.kind === 'dm' && c.user === s.me);
  const others = s.channels.filter((c) => c.kind === 'dm' && c.user !== s.me);
  const count = (id: string) =>
    s.messages[id]?.length ? ` <span class="count">${s.messages[id]?.length}</span>` : '';
  const nameOf = names(s);
  $('#sidebar').innerHTML = `<h4>${escapeHtml(s.team)}</h4><ul>${item('home', '🏠 imds-bot Home')}</ul>
    <h4>Channels</h4><ul>${channels.map((c) => item(c.id, `# ${escapeHtml(c.name)}`, count(c.id))).join('')}</ul>
    <h4>Direct messages</h4><ul>${mine ? item(mine.id, `💬 ${escapeHtml(s.bot.name)} (your DM)`, count(mine.id)) : ''}</ul>
    <h4>Other people's DMs <small>(read only)</small></h4><ul>${others.map((c) => item(c.id, `👤 ${escapeHtml(nameOf.user(c.user ?? '') ?? c.name)}`, count(c.id))).join('')}</ul>`;
}

function drawConversation(s: PageState): void {
  const main = $('#conversation');
  const nameOf = names(s);
  if (open === 'home') {
    const home = s.home
      ? renderBlocks(s.home.blocks, nameOf)
      : { html: '<p class="empty">Nothing published yet.</p>', elements: [] };
    main.innerHTML = `<header><h2>🏠 Home</h2></header><div class="home" data-container="home">${home.html}</div>`;
    registry.set(main.querySelector('.home') as Element, home.elements);
    return;
  }
  const channel = s.channels.find((c) => c.id === open);
  const readOnly = channel?.kind === 'dm' && channel.user !== s.me;
  const all = s.messages[open] ?? [];
  const top = all.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const replies = (ts: string) => all.filter((m) => m.thread_ts === ts && m.ts !== ts);
  const title =
    channel?.kind === 'dm'
      ? `💬 ${escapeHtml(nameOf.user(channel.user ?? '') ?? '')} and ${escapeHtml(s.bot.name)}`
      : `# ${escapeHtml(channel?.name ?? '')}`;
  main.innerHTML = `<header><h2>${title}</h2></header><div class="messages${readOnly ? ' read-only' : ''}"></div>`;
  const box = main.querySelector('.messages') as Element;
  for (const m of top) {
    const r = renderMessage(m, nameOf, replies(m.ts).length);
    const holder = document.createElement('div');
    holder.className = 'message-holder';
    holder.dataset.channel = open;
    holder.dataset.ts = m.ts;
    holder.innerHTML = r.html;
    registry.set(holder, r.elements);
    const thread = replies(m.ts);
    if (thread.length) {
      const t = document.createElement('div');
      t.className = 'thread';
      t.hidden = !expanded.has(m.ts);
      for (const reply of thread) {
        const rr = renderMessage(reply, nameOf);
        const h = document.createElement('div');
        h.className = 'message-holder';
        h.dataset.channel = open;
        h.dataset.ts = reply.ts;
        h.innerHTML = rr.html;
        registry.set(h, rr.elements);
        t.append(h);
      }
      holder.append(t);
    }
    box.append(holder);
  }
  if (!top.length) box.innerHTML = '<p class="empty">No messages yet.</p>';
  if (readOnly)
    for (const el of box.querySelectorAll<HTMLButtonElement | HTMLSelectElement>(
      'button[data-el], select[data-el]',
    ))
      el.disabled = true;
  box.scrollTop = box.scrollHeight;
}
const expanded = new Set<string>();

let modalElements: Interactive[] = [];
function drawModal(s: PageState): void {
  const dialog = $<HTMLDialogElement>('#modal');
  if (!s.modal) {
    if (dialog.open) dialog.close();
    dialog.dataset.view = '';
    return;
  }
  // keep what the user typed when the same view is drawn again (errors added)
  const typed = dialog.dataset.view === s.modal.id ? readInputs(dialog) : new Map<number, string>();
  const r = renderModal(s.modal.view, s.modal.errors, names(s));
  modalElements = r.elements;
  dialog.dataset.view = s.modal.id;
  const form = $<HTMLFormElement>('#modal-form');
  form.innerHTML = r.html;
  registry.set(form, r.elements);
  for (const [n, v] of typed) {
    const input = form.querySelector<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(
      `[data-input="${n}"]`,
    );
    if (input) input.value = v;
  }
  if (!dialog.open) dialog.showModal();
}

function readInputs(root: Element): Map<number, string> {
  const values = new Map<number, string>();
  for (const el of root.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(
    '[data-input]',
  )) {
    if (el.value !== '') values.set(Number(el.dataset.input), el.value);
  }
  return values;
}

function drawControls(s: PageState): void {
  const clock = $('#clock');
  clock.innerHTML = s.clock
    ? `<h4>Clock</h4><p>Sandbox time: <time id="sandbox-now">${escapeHtml(s.clock.now.slice(0, 16).replace('T', ' '))} UTC</time>${s.clock.offsetMs ? ` (+${Math.round(s.clock.offsetMs / 3_600_000)} h)` : ''}</p>${s.clock.targets
        .map(
          (t) =>
            `<button type="button" class="bk-button" data-clock="${escapeHtml(t.id)}">⏩ ${escapeHtml(t.label)}</button>`,
        )
        .join('')}`
    : '';
  const emu = $('#emulator');
  if (!s.emulator) {
    emu.innerHTML = '';
    return;
  }
  if (emu.querySelector('#instance-pick')) return; // keep the selection and the shown answer
  emu.innerHTML = `<h4>AWS emulator</h4><select id="instance-pick" class="bk-select">${s.emulator.instances
    .map((i) => `<option value="${escapeHtml(i.id)}">${escapeHtml(i.label)}</option>`)
    .join(
      '',
    )}</select> <button type="button" class="bk-button" id="instance-show">Show</button><pre id="instance-view"></pre>
    <p><a href="/sandbox/api/audit.csv" download>Audit export (CSV)</a></p>`;
}

async function showInstance(): Promise<void> {
  const id = $<HTMLSelectElement>('#instance-pick').value;
  const r = await api<ControlAnswer>(`/sandbox/api/instance?id=${encodeURIComponent(id)}`);
  $('#instance-view').textContent = r.text;
}

function toast(text: string): void {
  const t = $('#toast');
  t.textContent = text;
  t.hidden = false;
  setTimeout(() => {
    t.hidden = true;
  }, 6000);
}

/** Asks with the element's confirm dialog, when it has one; true when the user confirmed. */
function confirmed(element: Record<string, unknown>): Promise<boolean> {
  if (!element.confirm || !state) return Promise.resolve(true);
  const dialog = $<HTMLDialogElement>('#confirm');
  dialog.innerHTML = renderConfirm(element.confirm, names(state));
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.onclick = (e) => {
      const b = (e.target as Element).closest('button');
      if (!b) return;
      dialog.close();
      resolve(b.value === 'confirm');
    };
  });
}

/** A click on a button, or a choice in a select, of a message, the Home tab or a modal. */
async function act(target: HTMLElement, value?: string): Promise<void> {
  const container = target.closest('.message-holder, .home, #modal-form');
  const item = container ? registry.get(container)?.[Number(target.dataset.el)] : undefined;
  if (!item || !state) return;
  const action: Record<string, unknown> = { ...item.element };
  if (value !== undefined) {
    if (value === '') return;
    action.selected_option = selectedOption(item.element, value) ?? null;
  }
  if (!(await confirmed(item.element))) return;
  const where =
    container instanceof HTMLElement && container.classList.contains('message-holder')
      ? { channel: container.dataset.channel, ts: container.dataset.ts }
      : container?.id === 'modal-form'
        ? { view_id: state.modal?.id }
        : { home: true };
  const r = await api<ControlAnswer>('/sandbox/api/action', {
    user: me,
    block_id: item.block_id,
    action,
    ...where,
  });
  if (!r.ok) toast(r.text);
}

async function submitModal(): Promise<void> {
  if (!state?.modal) return;
  const values = stateValues(modalElements, readInputs($('#modal-form')));
  const r = await api<ControlAnswer>('/sandbox/api/submit', { user: me, view_id: state.modal.id, values });
  if (!r.ok) toast(r.text);
}

function wire(): void {
  $('#user-switcher').addEventListener('change', (e) => {
    me = (e.target as HTMLSelectElement).value;
    history.replaceState(null, '', `?user=${encodeURIComponent(me)}`);
    void refresh();
  });
  document.addEventListener('click', (e) => {
    const t = e.target as HTMLElement;
    const opener = t.closest<HTMLElement>('[data-open]');
    if (opener) {
      open = opener.dataset.open ?? 'home';
      if (open === 'home') void api('/sandbox/api/home', { user: me });
      if (state) draw(state);
      return;
    }
    const thread = t.closest<HTMLElement>('[data-thread]');
    if (thread?.dataset.thread) {
      const ts = thread.dataset.thread;
      if (expanded.has(ts)) expanded.delete(ts);
      else expanded.add(ts);
      if (state) draw(state);
      return;
    }
    const button = t.closest<HTMLButtonElement>('button[data-el]');
    if (button && !button.disabled) void act(button);
    const clock = t.closest<HTMLElement>('[data-clock]');
    if (clock)
      void api<ControlAnswer>('/sandbox/api/clock', { target: clock.dataset.clock }).then((r) =>
        toast(r.text),
      );
    if (t.id === 'instance-show') void showInstance();
    if (t.closest('[data-modal="close"]') && state?.modal)
      void api('/sandbox/api/close', { user: me, view_id: state.modal.id });
  });
  document.addEventListener('change', (e) => {
    const t = e.target as HTMLElement;
    if (t instanceof HTMLSelectElement && t.dataset.el !== undefined) void act(t, t.value);
  });
  $('#modal-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void submitModal();
  });
  $<HTMLDialogElement>('#modal').addEventListener('cancel', (e) => {
    e.preventDefault();
    if (state?.modal) void api('/sandbox/api/close', { user: me, view_id: state.modal.id });
  });
  wireComposer();
  const events = new EventSource('/sandbox/api/events');
  let pending = false;
  events.onmessage = () => {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      void refresh();
    }, 50);
  };
}

function wireComposer(): void {
  const input = $<HTMLInputElement>('#composer-input');
  const hint = $('#composer-hint');
  input.addEventListener('input', () => {
    const c = state?.command;
    const typing = input.value.trimStart();
    hint.hidden = !c || !typing.startsWith('/') || !c.name.startsWith(typing.split(' ')[0] ?? '');
    if (c)
      hint.innerHTML = `<b>${escapeHtml(c.name)}</b> <span class="usage">${escapeHtml(c.usage_hint)}</span><div class="description">${escapeHtml(c.description)}</div>`;
  });
  $('#composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    const c = state?.command;
    if (!c || !text) return;
    const [name, ...rest] = text.split(/\s+/);
    if (name !== c.name) {
      toast(`${name ?? ''} is not a command here; try ${c.name} help`);
      return;
    }
    const channel =
      open === 'home' ? (state?.channels.find((x) => x.kind === 'dm' && x.user === me)?.id ?? '') : open;
    input.value = '';
    hint.hidden = true;
    void api<ControlAnswer>('/sandbox/api/command', { user: me, channel, text: rest.join(' ') }).then((r) => {
      if (!r.ok) toast(r.text);
    });
  });
}

wire();
void refresh();
