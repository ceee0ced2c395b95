import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallLog } from './calls.js';
import type { FaultScript, RandomFaults } from './faults.js';
import { dmIdFor } from './ids.js';
import { METHODS, type MethodContext, type TokenKind } from './methods/index.js';
import type { RateLimiter } from './rate-limit.js';
import type { FakeSlackSettings } from './schema.js';
import type { SocketHub } from './socket.js';
import type { SlackState } from './state.js';
import type { ApiAnswer, Args } from './types.js';
import { decodeJsonFields, parseArgs, readBody, sendJson, tokenOf, withoutToken } from './wire.js';

/** Everything a request handler needs; built once per fake. */
export interface Runtime {
  settings: FakeSlackSettings;
  now: () => number;
  state: SlackState;
  calls: CallLog;
  script: FaultScript;
  random: RandomFaults;
  limiter: RateLimiter;
  socket: SocketHub;
  /** http://127.0.0.1:<port>, set once listening */
  baseUrl: string;
}

/** Methods random faults leave alone: app start-up and Socket Mode connects must not flake. */
const RANDOM_FAULT_EXEMPT = new Set(['auth.test', 'apps.connections.open']);

const refuse = (error: string): ApiAnswer => ({ status: 200, body: { ok: false, error } });

function tokenKind(rt: Runtime, token: string | undefined): TokenKind | 'none' | 'unknown' {
  if (!token) return 'none';
  if (token === rt.settings.botToken) return 'bot';
  if (token === rt.settings.appToken) return 'app';
  return 'unknown';
}

/** The conversation chat.postMessage's per-channel limit counts: a U… id posts to the user's DM. */
function channelKey(args: Args): string | undefined {
  const channel = args.channel;
  if (typeof channel !== 'string') return undefined;
  return /^[UW]/.test(channel) ? dmIdFor(channel) : channel;
}

function context(rt: Runtime): MethodContext {
  return {
    state: rt.state,
    settings: rt.settings,
    now: rt.now,
    baseUrl: rt.baseUrl,
    socketUrl: () => rt.socket.newConnectionUrl(),
  };
}

/** Slack's order: method, token, then (here) scripted faults, rate limits, random faults, the method. */
export function decide(rt: Runtime, method: string, args: Args, token: string | undefined): ApiAnswer {
  const entry = METHODS[method];
  if (!entry) return refuse('unknown_method');
  const kind = tokenKind(rt, token);
  if (kind === 'none') return refuse('not_authed');
  if (kind === 'unknown') return refuse('invalid_auth');
  if (!entry.tokens.includes(kind)) return refuse('not_allowed_token_type');
  const scripted = rt.script.take(method);
  if (scripted?.afterCall) entry.handle(context(rt), args);
  if (scripted) return scripted.answer;
  const rate = rt.limiter.take(method, channelKey(args), rt.now());
  if (!rate.allowed) {
    return {
      status: 429,
      headers: { 'retry-after': String(rate.retryAfter) },
      body: { ok: false, error: 'ratelimited' },
    };
  }
  const random = RANDOM_FAULT_EXEMPT.has(method) ? null : rt.random.draw();
  if (random) return random;
  return { status: 200, body: entry.handle(context(rt), args) };
}

export function logCall(rt: Runtime, method: string, args: Args, at: number, answer: ApiAnswer): void {
  const ok = answer.status === 200 && answer.body.ok !== false;
  const error = typeof answer.body.error === 'string' ? answer.body.error : undefined;
  const retryAfter = answer.headers?.['retry-after'];
  rt.calls.add({
    method,
    args: withoutToken(args),
    at,
    status: answer.status,
    ok,
    error,
    retryAfter: retryAfter === undefined ? undefined : Number(retryAfter),
  });
}

/** POST /api/<method>. */
export async function answerApi(
  rt: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
): Promise<void> {
  const at = rt.now();
  const parsed = await parseArgs(req, await readBody(req));
  const args = parsed.ok ? decodeJsonFields(parsed.args) : {};
  const answer = parsed.ok ? decide(rt, method, args, tokenOf(req, args)) : refuse(parsed.error);
  logCall(rt, method, args, at, answer);
  sendJson(res, answer);
}
