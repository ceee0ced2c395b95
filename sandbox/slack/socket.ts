import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { IdMaker } from './ids.js';
import type { EnvelopeRecord, EnvelopeType, PushOptions, SocketAck, SocketSettings } from './types.js';

interface Waiter {
  record: EnvelopeRecord;
  resolve: (ack: SocketAck) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const DEBUG_HOST = 'applink-fake-1';

function rejectUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Socket Mode's server side: apps.connections.open hands out ws://…/link/?ticket=… (single use); on
 * connect the app gets { type: 'hello' }; `push` sends an envelope and resolves with the app's ack.
 */
export class SocketHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly open = new Set<WebSocket>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly log: EnvelopeRecord[] = [];
  private readonly onConnect = new Set<() => void>();
  private opened = 0;
  private turn = 0;
  private wsBase = 'ws://127.0.0.1:0';

  constructor(
    private readonly ids: IdMaker,
    private readonly settings: SocketSettings,
  ) {}

  attach(wsBase: string): void {
    this.wsBase = wsBase;
  }

  /** A WebSocket URL with a fresh single-use ticket (what apps.connections.open returns). */
  newConnectionUrl(): string {
    const ticket = this.ids.uuid();
    this.tickets.add(ticket);
    return `${this.wsBase}/link/?ticket=${ticket}&app_id=${this.settings.appId}`;
  }

  /** The HTTP server's 'upgrade' handler. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/link/' && url.pathname !== '/link') {
      rejectUpgrade(socket, '404 Not Found');
      return;
    }
    const ticket = url.searchParams.get('ticket');
    if (!ticket || !this.tickets.delete(ticket)) {
      rejectUpgrade(socket, '401 Unauthorized');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.open.add(ws);
    this.opened += 1;
    const interval = this.settings.socketPingIntervalMs;
    const pinger = interval > 0 ? setInterval(() => ws.ping(), interval) : undefined;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.receive(data);
    });
    ws.on('close', () => {
      clearInterval(pinger);
      this.open.delete(ws);
    });
    ws.on('error', () => ws.terminate());
    ws.send(JSON.stringify(this.hello()));
    for (const listener of this.onConnect) listener();
  }

  private hello(): Record<string, unknown> {
    return {
      type: 'hello',
      num_connections: this.open.size,
      debug_info: { host: DEBUG_HOST, build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: this.settings.appId },
    };
  }

  private receive(data: RawData): void {
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (typeof message.envelope_id !== 'string') return;
    const waiter = this.waiters.get(message.envelope_id);
    if (!waiter) return;
    this.waiters.delete(message.envelope_id);
    clearTimeout(waiter.timer);
    const ack: SocketAck = {
      envelope_id: message.envelope_id,
      ackedAfterMs: Date.now() - waiter.record.sentAt,
    };
    if (message.payload !== undefined) ack.payload = message.payload;
    waiter.record.ack = ack;
    waiter.resolve(ack);
  }

  /** Sends an envelope to one open connection (round robin); resolves with the ack, rejects on timeout. */
  push(type: EnvelopeType, payload: unknown, opts: PushOptions = {}): Promise<SocketAck> {
    const sockets = [...this.open];
    const ws = sockets[this.turn++ % Math.max(1, sockets.length)];
    if (!ws) return Promise.reject(new Error('no Socket Mode connection is open'));
    const envelope_id = this.ids.uuid();
    const record: EnvelopeRecord = {
      envelope_id,
      type,
      payload,
      sentAt: Date.now(),
      ack: undefined,
      error: undefined,
    };
    this.log.push(record);
    const accepts_response_payload = opts.acceptsResponsePayload ?? type !== 'events_api';
    const envelope: Record<string, unknown> = { envelope_id, type, payload, accepts_response_payload };
    if (type === 'events_api')
      Object.assign(envelope, {
        retry_attempt: opts.retryAttempt ?? 0,
        retry_reason: opts.retryReason ?? '',
      });
    const timeoutMs = opts.timeoutMs ?? this.settings.socketAckTimeoutMs;
    return new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(
        () => this.expire(envelope_id, 'ack_timeout', `no ack within ${timeoutMs} ms`),
        timeoutMs,
      );
      this.waiters.set(envelope_id, { record, resolve, reject, timer });
      ws.send(JSON.stringify(envelope));
    });
  }

  private expire(envelopeId: string, error: EnvelopeRecord['error'] & string, message: string): void {
    const waiter = this.waiters.get(envelopeId);
    if (!waiter) return;
    this.waiters.delete(envelopeId);
    clearTimeout(waiter.timer);
    waiter.record.error = error;
    waiter.reject(new Error(`envelope ${envelopeId}: ${message}`));
  }

  /** Slack's { type: 'disconnect' } message: the app closes and reconnects with a new URL. */
  sendDisconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): number {
    const message = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: DEBUG_HOST } });
    for (const ws of this.open) ws.send(message);
    return this.open.size;
  }

  /** Closes every connection from the server side (close frame 1001), like a Slack deploy. */
  async disconnectAll(): Promise<void> {
    const closing = [...this.open].map(
      (ws) =>
        new Promise<void>((resolve) => {
          const force = setTimeout(() => ws.terminate(), 1000);
          ws.once('close', () => {
            clearTimeout(force);
            resolve();
          });
          ws.close(1001, 'server restart');
        }),
    );
    await Promise.all(closing);
  }

  /** Resolves once at least `count` connections are open. */
  waitForConnections(count = 1, timeoutMs = 5000): Promise<void> {
    if (this.open.size >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.open.size < count) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fewer than ${count} Socket Mode connections after ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.onConnect.delete(check);
      };
      this.onConnect.add(check);
    });
  }

  connectionCount(): number {
    return this.open.size;
  }

  /** How many connections were ever accepted (reconnects show up here). */
  connectionsOpened(): number {
    return this.opened;
  }

  envelopes(): EnvelopeRecord[] {
    return [...this.log];
  }

  close(): void {
    for (const id of [...this.waiters.keys()]) this.expire(id, 'connection_closed', 'fake Slack closed');
    for (const ws of this.open) ws.terminate();
    this.open.clear();
    this.wss.close();
  }
}
