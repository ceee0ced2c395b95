import type { PageFile, PageMessage } from '../web/message.js';
import type { PageState } from '../web/types.js';
import type { Runtime } from './api.js';
import type { Sandbox } from './sandbox.js';
import type { StoredEphemeral, StoredFile, StoredMessage, StoredView } from './types.js';

/** A file's path on the sandbox: /files/<id>/<name>, the name reduced to safe characters. */
export const filePath = (f: StoredFile): string =>
  `/files/${f.id}/${f.filename.replace(/[^A-Za-z0-9._-]/g, '_') || 'file'}`;

function pageFile(rt: Runtime, id: string): PageFile[] {
  const f = rt.state.fileStore.get(id);
  if (!f?.completed) return [];
  return [{ id, name: f.filename, title: f.title, url: filePath(f), image: /\.png$/i.test(f.filename) }];
}

function fromStored(rt: Runtime, m: StoredMessage): PageMessage {
  const { channel, ts, text, blocks, thread_ts, user, edits } = m;
  return {
    channel,
    ts,
    text,
    blocks,
    thread_ts,
    user,
    edits,
    files: m.files.flatMap((id) => pageFile(rt, id)),
  };
}

function fromEphemeral(rt: Runtime, e: StoredEphemeral, channel: string): PageMessage {
  return {
    channel,
    ts: e.message_ts,
    text: e.text,
    blocks: e.blocks,
    thread_ts: e.thread_ts,
    user: rt.state.botUserId,
    edits: 0,
    files: [],
    ephemeralFor: e.user,
  };
}

/** The modal on top of `user`'s stack: the newest of theirs not closed. */
export function topModal(rt: Runtime, sb: Sandbox, user: string): StoredView | undefined {
  return rt.state.views
    .all()
    .filter((v) => v.type === 'modal' && v.user_id === user && !sb.closed.has(v.id))
    .at(-1);
}

function users(rt: Runtime, sb: Sandbox): PageState['users'] {
  const dir = rt.state.directory;
  const all = dir
    .userPage(0, dir.userCount())
    .filter((u) => !u.deleted && !u.is_bot && u.id !== rt.state.botUserId);
  const role = (id: string) => sb.roles.get(id) ?? null;
  const rank = (id: string) => (sb.roles.has(id) ? [...sb.roles.keys()].indexOf(id) : sb.roles.size);
  return all
    .map((u) => ({
      id: u.id,
      name: u.profile.display_name || u.name,
      real_name: u.real_name,
      role: role(u.id),
    }))
    .sort((a, b) => rank(a.id) - rank(b.id));
}

/** The workspace as `me` sees it (the first user when `me` is unknown). */
export async function pageState(rt: Runtime, sb: Sandbox, asked: string): Promise<PageState> {
  const people = users(rt, sb);
  const me = people.some((u) => u.id === asked) ? asked : (people[0]?.id ?? '');
  const channels = rt.state.directory.channelList().map((c) => ({
    id: c.id,
    name: c.name,
    kind: c.user ? ('dm' as const) : ('channel' as const),
    user: c.user ?? null,
  }));
  const messages: PageState['messages'] = {};
  for (const c of channels) {
    const stored = rt.state.messagesIn(c.id).map((m) => fromStored(rt, m));
    const mine = rt.state
      .ephemerals({ user: me })
      .filter((e) => e.channel === c.id || (c.user === me && e.channel === me));
    messages[c.id] = [...stored, ...mine.map((e) => fromEphemeral(rt, e, c.id))].sort(
      (a, b) => Number(a.ts) - Number(b.ts),
    );
  }
  const home = rt.state.homeView(me);
  const modal = topModal(rt, sb, me);
  const controls = sb.controls;
  return {
    me,
    team: rt.settings.teamName,
    bot: { id: rt.state.botUserId, name: sb.botName },
    users: people,
    channels,
    messages,
    home: home ? { blocks: home.blocks } : null,
    modal: modal ? { id: modal.id, view: modal.raw, errors: sb.errors.get(modal.id) ?? {} } : null,
    command: sb.command,
    clock: controls.clock
      ? {
          offsetMs: controls.clock.offsetMs(),
          now: controls.clock.now().toISOString(),
          targets: controls.clock.targets,
        }
      : null,
    emulator: controls.emulator ? { instances: await controls.emulator.instances() } : null,
  };
}
