/** The in-memory model behind the fake Slack. Times are epoch milliseconds unless named *Ts. */

/** Parsed arguments of a Web API call (form fields are strings; JSON bodies keep their types). */
export type Args = Record<string, unknown>;

/** A Web API answer: HTTP status, JSON body, extra headers. */
export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** The user object as users.info / users.list / users.lookupByEmail return it. */
export interface SlackUser {
  id: string;
  team_id: string;
  name: string;
  deleted: boolean;
  real_name: string;
  tz: string;
  is_bot: boolean;
  is_app_user: boolean;
  updated: number;
  profile: { real_name: string; display_name: string; email?: string; team: string };
}

export interface SlackChannel {
  id: string;
  name: string;
  /** set for direct messages (D…): the other member */
  user?: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | undefined;
  thread_ts: string | undefined;
  user: string;
  /** ids of files shared with this message (files.completeUploadExternal) */
  files: string[];
  /** how it came: chat.postMessage, a response_url post, a file share */
  source: 'api' | 'response_url' | 'file_share';
  /** chat.update / replace_original count and last edit */
  edits: number;
  edited: { ts: string } | undefined;
  deleted: boolean;
  /** chat.postMessage `metadata`: returned by conversations.history with include_all_metadata */
  metadata: MessageMetadata | undefined;
}

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface StoredEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  text: string;
  blocks: unknown[] | undefined;
  thread_ts: string | undefined;
  source: 'api' | 'response_url';
}

/** A modal (views.open/update) or a Home tab (views.publish). */
export interface StoredView {
  id: string;
  type: string;
  user_id: string | undefined;
  callback_id: string;
  private_metadata: string;
  external_id: string;
  blocks: unknown[];
  hash: string;
  /** the view as the app sent it */
  raw: Record<string, unknown>;
  updates: number;
}

export interface StoredFile {
  id: string;
  filename: string;
  title: string;
  length: number;
  /** the bytes posted to the upload URL; null until uploaded */
  bytes: Buffer | null;
  channel_id: string | undefined;
  initial_comment: string | undefined;
  thread_ts: string | undefined;
  completed: boolean;
}

export interface CallRecord {
  /** Web API method, or 'response_url' / 'files.upload' for those URLs, 'apps.connections.open' … */
  method: string;
  /** parsed arguments, tokens removed; JSON-valued fields (blocks, view, files, …) decoded */
  args: Args;
  at: number;
  status: number;
  ok: boolean;
  error: string | undefined;
  /** Retry-After (seconds) of a 429 */
  retryAfter: number | undefined;
}

export interface ResponseUrlUse {
  id: string;
  at: number;
  body: unknown;
  status: number;
  error: string | undefined;
}

/** Where a response_url posts: its conversation, user and (for interactions) the original message. */
export interface ResponseUrlTarget {
  channel?: string | undefined;
  user?: string | undefined;
  messageTs?: string | undefined;
}

/* Socket Mode */

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** What the app sent back for an envelope: { envelope_id, payload? }. */
export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
  ackedAfterMs: number;
}

export interface EnvelopeRecord {
  envelope_id: string;
  type: EnvelopeType;
  payload: unknown;
  sentAt: number;
  ack: SocketAck | undefined;
  error: 'ack_timeout' | 'connection_closed' | undefined;
}

export interface PushOptions {
  /** default: the fake's socketAckTimeoutMs (3 s, Slack's limit) */
  timeoutMs?: number;
  /** events_api redeliveries: retry_attempt / retry_reason */
  retryAttempt?: number;
  retryReason?: string;
  /** default: true for slash_commands and interactive, false for events_api */
  acceptsResponsePayload?: boolean;
}

export interface SocketSettings {
  appId: string;
  socketAckTimeoutMs: number;
  socketPingIntervalMs: number;
}
