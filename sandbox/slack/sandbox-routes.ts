import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { servePage } from '../web/serve.js';
import type { Runtime } from './api.js';
import type { Sandbox } from './sandbox.js';
import {
  type ActAnswer,
  ActionInput,
  action,
  CommandInput,
  close,
  command,
  homeOpened,
  SubmitInput,
  submit,
  UserInput,
} from './sandbox-act.js';
import { filePath, pageState } from './sandbox-state.js';
import { readBody, sendJson } from './wire.js';

/**
 * The sandbox page and its API, on the fake Slack's own port (127.0.0.1):
 *   GET  /                         the page (and /web/… its modules and CSS)
 *   GET  /sandbox/api/state?user=  the workspace as that user sees it
 *   GET  /sandbox/api/events       server-sent events: "change" whenever something shown changed
 *   POST /sandbox/api/command | action | submit | close | home    what the user did, sent to the bot
 *   POST /sandbox/api/clock {target}   GET /sandbox/api/instance?id=   GET /sandbox/api/audit.csv
 *   GET  /files/<id>/<name>        an uploaded file's bytes
 */

const answer = (res: ServerResponse, body: Record<string, unknown>, status = 200) =>
  sendJson(res, { status, body });

function events(sb: Sandbox, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  res.write('retry: 1000\n\n');
  const unsubscribe = sb.subscribe(() => res.write('data: change\n\n'));
  const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(beat);
    unsubscribe();
  });
}

function file(rt: Runtime, path: string, res: ServerResponse): void {
  const id = path.split('/')[2] ?? '';
  const f = rt.state.fileStore.get(id);
  if (!f?.completed || !f.bytes || filePath(f) !== path) {
    answer(res, { ok: false, error: 'file_not_found' }, 404);
    return;
  }
  const png = /\.png$/i.test(f.filename);
  res.writeHead(200, {
    'content-type': png ? 'image/png' : 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    ...(png ? {} : { 'content-disposition': 'attachment' }),
  });
  res.end(f.bytes);
}

async function getRoute(
  rt: Runtime,
  sb: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const path = url.pathname;
  if (path === '/sandbox/api/state')
    return answer(res, { ...(await pageState(rt, sb, url.searchParams.get('user') ?? '')) });
  if (path === '/sandbox/api/events') return events(sb, req, res);
  if (path.startsWith('/files/')) return file(rt, path, res);
  if (path === '/sandbox/api/instance') {
    const text = await sb.controls.emulator?.describe(url.searchParams.get('id') ?? '');
    return answer(res, { ok: text !== undefined, text: text ?? 'no such instance in the emulator' });
  }
  if (path === '/sandbox/api/audit.csv' && sb.controls.auditCsv) {
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="audit.csv"',
    });
    res.end(await sb.controls.auditCsv());
    return;
  }
  if (!(await servePage(path, res))) answer(res, { ok: false, error: 'not_found' }, 404);
}

type Handler = (raw: unknown) => Promise<ActAnswer>;

function handlers(rt: Runtime, sb: Sandbox): Record<string, Handler> {
  const parsed =
    <T extends z.ZodType>(schema: T, run: (input: z.infer<T>) => Promise<ActAnswer>): Handler =>
    async (raw) => {
      const input = schema.safeParse(raw);
      return input.success ? run(input.data) : { ok: false, text: 'bad request' };
    };
  return {
    command: parsed(CommandInput, (i) => command(rt, sb, i)),
    action: parsed(ActionInput, (i) => action(rt, sb, i)),
    submit: parsed(SubmitInput, (i) => submit(rt, sb, i)),
    close: parsed(UserInput, (i) => close(rt, sb, i)),
    home: parsed(UserInput, (i) => homeOpened(rt, sb, i)),
    clock: async (raw) => {
      const target = (raw as { target?: unknown } | null)?.target;
      if (!sb.controls.clock || typeof target !== 'string') return { ok: false, text: 'no clock here' };
      const text = await sb.controls.clock.advance(target);
      sb.changed();
      return { ok: true, text };
    },
  };
}

/** True when the request was the sandbox's (GET anything but the Web API, or POST /sandbox/api/…). */
export async function answerSandbox(
  rt: Runtime,
  sb: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'GET') {
    await getRoute(rt, sb, req, res, url);
    return true;
  }
  const name = /^\/sandbox\/api\/([a-z]+)$/.exec(url.pathname)?.[1];
  const handler = req.method === 'POST' && name ? handlers(rt, sb)[name] : undefined;
  if (!handler) return false;
  // the page's own requests only: a page elsewhere cannot post here (no CORS, and JSON only)
  if (!String(req.headers['content-type']).startsWith('application/json')) {
    answer(res, { ok: false, text: 'JSON only' }, 415);
    return true;
  }
  let raw: unknown = null;
  try {
    raw = JSON.parse((await readBody(req)).toString('utf8'));
  } catch {
    raw = null;
  }
  answer(res, { ...(await handler(raw)) });
  return true;
}
