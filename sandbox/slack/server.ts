import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerAdmin } from './admin.js';
import { answerApi, type Runtime } from './api.js';
import { CallLog, type CallSummary } from './calls.js';
import { FaultScript, RandomFaults } from './faults.js';
import { RateLimiter } from './rate-limit.js';
import { answerResponseUrl } from './response-url.js';
import { Sandbox, type SandboxHandle, sandboxHandle } from './sandbox.js';
import { answerSandbox } from './sandbox-routes.js';
import { FakeSlackOptions, type FakeSlackOptionsInput } from './schema.js';
import { SocketHub } from './socket.js';
import { SlackState } from './state.js';
import type { CallRecord, StoredFile, StoredMessage, StoredView } from './types.js';
import { answerUpload } from './upload.js';
import { sendJson } from './wire.js';

export type StartFakeSlackOptions = FakeSlackOptionsInput & {
  /** the clock (epoch ms) for rate-limit windows, trigger and response_url lifetimes, message ts */
  now?: () => number;
};

export interface FakeSlack {
  /** the Web API base, for `new WebClient(token, { slackApiUrl: url })`: http://127.0.0.1:<port>/api/ */
  url: string;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  botToken: string;
  appToken: string;
  signingSecret: string;
  teamId: string;
  appId: string;
  botUserId: string;
  state: SlackState;
  calls(method?: string): CallRecord[];
  callSummary(): CallSummary;
  resetCalls(): void;
  resetRateLimits(): void;
  script: FaultScript;
  socket: SocketHub;
  messagesIn(channel: string): StoredMessage[];
  message(channel: string, ts: string): StoredMessage | undefined;
  homeView(userId: string): StoredView | undefined;
  files(): StoredFile[];
  /** the sandbox page on this server: where the bot listens, demo users, clock and emulator controls */
  sandbox: SandboxHandle;
  close(): Promise<void>;
}

function buildRuntime(opts: StartFakeSlackOptions): Runtime {
  const { now: clock, ...rest } = opts;
  const settings = FakeSlackOptions.parse(rest);
  const now = clock ?? Date.now;
  const state = new SlackState(settings, now);
  return {
    settings,
    now,
    state,
    calls: new CallLog(settings.callLogLimit),
    script: new FaultScript(),
    random: new RandomFaults(settings.random429Share, settings.random5xxShare, settings.seed),
    limiter: new RateLimiter(settings.rateLimits, settings.timeScale),
    socket: new SocketHub(state.ids, settings),
    baseUrl: '',
  };
}

async function route(rt: Runtime, sb: Sandbox, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const [, section = '', name = '', extra = ''] = path.split('/');
  if (section === '__fake') return answerAdmin(rt, req, res);
  if ((req.method === 'GET' || section === 'sandbox') && (await answerSandbox(rt, sb, req, res))) return;
  if (req.method !== 'POST')
    return sendJson(res, { status: 405, body: { ok: false, error: 'method_not_allowed' } });
  if (section === 'api' && name) return answerApi(rt, req, res, decodeURIComponent(name));
  if (section === 'response' && name) return answerResponseUrl(rt, req, res, name);
  if (section === 'upload' && name === 'v1' && extra) return answerUpload(rt, req, res, extra);
  sendJson(res, { status: 404, body: { ok: false, error: 'not_found' } });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Starts a fake Slack (Web API, upload and response URLs, Socket Mode) on 127.0.0.1 and a free port. */
export async function startFakeSlack(opts: StartFakeSlackOptions = {}): Promise<FakeSlack> {
  const rt = buildRuntime(opts);
  const sb = new Sandbox();
  rt.calls.onAdd(() => sb.changed());
  const server = createServer((req, res) => {
    route(rt, sb, req, res).catch((error: unknown) => {
      sendJson(res, { status: 500, body: { ok: false, error: 'fatal_error', detail: String(error) } });
    });
  });
  server.on('upgrade', (req, socket, head) => rt.socket.handleUpgrade(req, socket, head));
  server.keepAliveTimeout = 60_000;
  const { host } = rt.settings;
  const port = await listen(server, rt.settings.port, host);
  rt.baseUrl = `http://${host}:${port}`;
  rt.state.interactions.attach(rt.baseUrl);
  rt.socket.attach(`ws://${host}:${port}`);
  return facade(rt, server, sandboxHandle(sb, rt.baseUrl));
}

function facade(rt: Runtime, server: Server, sandbox: SandboxHandle): FakeSlack {
  const { settings, state } = rt;
  return {
    url: `${rt.baseUrl}/api/`,
    baseUrl: rt.baseUrl,
    botToken: settings.botToken,
    appToken: settings.appToken,
    signingSecret: settings.signingSecret,
    teamId: settings.teamId,
    appId: settings.appId,
    botUserId: settings.botUserId,
    state,
    calls: (method) => rt.calls.list(method),
    callSummary: () => rt.calls.summary(),
    resetCalls: () => rt.calls.reset(),
    resetRateLimits: () => rt.limiter.reset(),
    script: rt.script,
    socket: rt.socket,
    messagesIn: (channel) => state.messagesIn(channel),
    message: (channel, ts) => state.message(channel, ts),
    homeView: (userId) => state.homeView(userId),
    files: () => state.files(),
    sandbox,
    close: () =>
      new Promise<void>((resolve, reject) => {
        rt.socket.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
