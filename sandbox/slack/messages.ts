import type { IdMaker } from './ids.js';
import type { StoredEphemeral, StoredMessage } from './types.js';

export interface NewMessage {
  channel: string;
  text: string;
  blocks: unknown[] | undefined;
  thread_ts: string | undefined;
  user: string;
  files?: string[];
  source: StoredMessage['source'];
  metadata?: StoredMessage['metadata'];
}

export type NewEphemeral = Omit<StoredEphemeral, 'message_ts'>;

/** Messages per conversation, in posting order, plus ephemeral messages. */
export class MessageStore {
  private readonly byChannel = new Map<string, StoredMessage[]>();
  private readonly byKey = new Map<string, StoredMessage>();
  private readonly ephemeralList: StoredEphemeral[] = [];

  constructor(private readonly ids: IdMaker) {}

  post(input: NewMessage): StoredMessage {
    const message: StoredMessage = {
      ...input,
      files: input.files ?? [],
      metadata: input.metadata,
      ts: this.ids.ts(),
      edits: 0,
      edited: undefined,
      deleted: false,
    };
    const list = this.byChannel.get(input.channel) ?? [];
    list.push(message);
    this.byChannel.set(input.channel, list);
    this.byKey.set(`${input.channel}:${message.ts}`, message);
    return message;
  }

  get(channel: string, ts: string): StoredMessage | undefined {
    return this.byKey.get(`${channel}:${ts}`);
  }

  /** Replaces text and blocks (chat.update, replace_original); undefined when there is no such message. */
  update(
    channel: string,
    ts: string,
    change: { text?: string | undefined; blocks?: unknown[] | undefined },
  ): StoredMessage | undefined {
    const message = this.byKey.get(`${channel}:${ts}`);
    if (!message || message.deleted) return undefined;
    if (change.text !== undefined) message.text = change.text;
    if (change.blocks !== undefined) message.blocks = change.blocks;
    message.edits += 1;
    message.edited = { ts: this.ids.ts() };
    return message;
  }

  delete(channel: string, ts: string): boolean {
    const message = this.byKey.get(`${channel}:${ts}`);
    if (!message) return false;
    message.deleted = true;
    return true;
  }

  postEphemeral(input: NewEphemeral): StoredEphemeral {
    const ephemeral: StoredEphemeral = { ...input, message_ts: this.ids.ts() };
    this.ephemeralList.push(ephemeral);
    return ephemeral;
  }

  /** Messages of a conversation, oldest first, deleted ones left out. */
  in(channel: string): StoredMessage[] {
    return (this.byChannel.get(channel) ?? []).filter((m) => !m.deleted);
  }

  ephemerals(filter: { channel?: string; user?: string } = {}): StoredEphemeral[] {
    return this.ephemeralList.filter(
      (e) =>
        (filter.channel === undefined || e.channel === filter.channel) &&
        (filter.user === undefined || e.user === filter.user),
    );
  }

  count(): number {
    return this.byKey.size;
  }
}
