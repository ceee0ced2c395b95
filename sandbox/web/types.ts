import type { PageMessage } from './message.js';

/** What GET /sandbox/api/state answers: the workspace as one user sees it. */
export interface PageState {
  me: string;
  team: string;
  bot: { id: string; name: string };
  users: { id: string; name: string; real_name: string; role: string | null }[];
  channels: { id: string; name: string; kind: 'channel' | 'dm'; user: string | null }[];
  /** per conversation, top-level and thread messages, oldest first; ephemerals only for `me` */
  messages: Record<string, PageMessage[]>;
  home: { blocks: unknown[] } | null;
  modal: { id: string; view: Record<string, unknown>; errors: Record<string, string> } | null;
  command: { name: string; description: string; usage_hint: string };
  clock: { offsetMs: number; now: string; targets: { id: string; label: string }[] } | null;
  emulator: { instances: { id: string; label: string }[] } | null;
}

/** What POST /sandbox/api/clock and GET /sandbox/api/instance answer. */
export interface ControlAnswer {
  ok: boolean;
  text: string;
}
