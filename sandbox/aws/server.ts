import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IssuedCredential } from './credentials.js';
import { CredentialStore } from './credentials.js';
import { answerAws, type Runtime } from './dispatch.js';
import type { OperationFault } from './faults.js';
import type { Fleet } from './fleet.js';
import { mulberry32 } from './prng.js';
import { type EmulatorStats, StatsCollector } from './stats.js';
import { type ThrottleOption, Throttler } from './throttle.js';
import { CallTrail, type TrailEvent } from './trail.js';
import type { HttpAnswer } from './wire/render.js';

export interface AwsEmulatorOptions {
  fleet: Fleet;
  /** 0 (default): a free port */
  port?: number;
  host?: string;
  /** fixed delay before every AWS answer */
  latencyMs?: number;
  /** share of calls answered HTTP 500 InternalError, drawn from `seed` */
  faultRate?: number;
  seed?: number;
  /** `service:Action` -> a fault every call of it gets (see faults.ts), e.g.
   * `{ 'ec2:GetInstanceMetadataDefaults': 'html-500' }` */
  operationFaults?: Record<string, OperationFault>;
  throttle?: ThrottleOption;
  /** how long ModifyInstanceMetadataOptions stays 'pending'; default 300 ms */
  metadataApplyDelayMs?: number;
  /** how long terminated instances stay visible; default 1 hour */
  terminatedRetentionMs?: number;
  /** GetMetricData over 100,800 datapoints: 'error' (default) or 'paginate' as AWS does */
  metricDataOverLimit?: 'error' | 'paginate';
  /** the clock for everything time-based (throttling, pending state, metrics, credential expiry);
   * when given it also becomes the fleet's clock (Fleet.useClock) */
  now?: () => Date;
}

export interface AwsEmulator {
  url: string;
  fleet: Fleet;
  stats(): EmulatorStats;
  resetStats(): void;
  /** the calls made (the last 20,000), with the session that made each: what CloudTrail would show */
  trail(): TrailEvent[];
  /** every AssumeRole session issued: role, session name, SourceIdentity, session policy */
  sessions(): IssuedCredential[];
  /** an extra delay before every answer to one action ('ec2:DescribeInstances'); 0 removes it */
  setActionLatency(action: string, ms: number): void;
  /** calls of one action ('ec2:DescribeInstances') are counted but not answered until `release()` */
  holdAction(action: string): { release(): void };
  /** sets (or with null clears) the fault of one `service:Action`: for every call from now on,
   * or for the next `times` calls */
  setOperationFault(operation: string, fault: OperationFault | null, times?: number): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** GET /__emulator/stats and POST /__emulator/reset-stats, for benchmarks in another process. */
function answerAdmin(runtime: Runtime, req: IncomingMessage): HttpAnswer {
  const json = { 'content-type': 'application/json' };
  if (req.method === 'GET' && req.url === '/__emulator/stats') {
    return { status: 200, headers: json, body: JSON.stringify(runtime.stats.snapshot()) };
  }
  if (req.method === 'POST' && req.url === '/__emulator/reset-stats') {
    runtime.stats.reset();
    return { status: 200, headers: json, body: '{"ok":true}' };
  }
  return { status: 404, headers: json, body: '{"error":"unknown emulator endpoint"}' };
}

function buildRuntime(opts: AwsEmulatorOptions): Runtime {
  const now = opts.now ?? (() => new Date());
  if (opts.now) opts.fleet.useClock(opts.now);
  const seed = opts.seed ?? 0x5eed;
  return {
    fleet: opts.fleet,
    credentials: new CredentialStore(seed),
    settings: {
      metadataApplyDelayMs: opts.metadataApplyDelayMs ?? 300,
      terminatedRetentionMs: opts.terminatedRetentionMs ?? 3_600_000,
      metricDataOverLimit: opts.metricDataOverLimit ?? 'error',
    },
    throttler: new Throttler(opts.throttle),
    stats: new StatsCollector(),
    trail: new CallTrail(),
    latencyMs: opts.latencyMs ?? 0,
    actionLatencyMs: new Map(),
    held: new Map(),
    faultRate: opts.faultRate ?? 0,
    faultRng: mulberry32(seed),
    operationFaults: new Map(
      Object.entries(opts.operationFaults ?? {}).map(([op, fault]) => [op, { fault, remaining: null }]),
    ),
    now,
  };
}

async function handle(runtime: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readBody(req);
  if (req.url?.startsWith('/__emulator/')) {
    send(res, answerAdmin(runtime, req));
    return;
  }
  // a caller that hangs up (an aborted SQS long poll) ends the calls that wait for it
  const hungUp = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) hungUp.abort();
  });
  send(
    res,
    await answerAws(runtime, req.headers, raw, {
      method: req.method ?? 'POST',
      path: req.url ?? '/',
      signal: hungUp.signal,
    }),
  );
}

/** Starts the emulator on 127.0.0.1 (default) and a free port (default). */
export async function startAwsEmulator(opts: AwsEmulatorOptions): Promise<AwsEmulator> {
  const runtime = buildRuntime(opts);
  const server = createServer((req, res) => {
    handle(runtime, req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`emulator failure: ${String(error)}`);
    });
  });
  server.keepAliveTimeout = 60_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    fleet: opts.fleet,
    stats: () => runtime.stats.snapshot(),
    resetStats: () => runtime.stats.reset(),
    trail: () => runtime.trail.list(),
    sessions: () => runtime.credentials.sessions(),
    setActionLatency: (action, ms) => {
      if (ms > 0) runtime.actionLatencyMs.set(action, ms);
      else runtime.actionLatencyMs.delete(action);
    },
    holdAction(action) {
      let release = () => {};
      runtime.held.set(action, new Promise<void>((resolve) => (release = resolve)));
      return {
        release() {
          runtime.held.delete(action);
          release();
        },
      };
    },
    setOperationFault(operation, fault, times) {
      if (fault === null) runtime.operationFaults.delete(operation);
      else runtime.operationFaults.set(operation, { fault, remaining: times ?? null });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
