import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Runtime } from './api.js';
import type { ApiAnswer } from './types.js';
import { readBody, sendJson } from './wire.js';

/**
 * /__fake/… : the test controls of a fake running in another process (benchmarks, `main.ts`):
 *   GET  /__fake/calls[?method=m]        → { calls }          POST /__fake/reset-calls
 *   GET  /__fake/summary                 → call counts per method, status and error
 *   GET  /__fake/messages?channel=C…     → { messages }
 *   POST /__fake/trigger-id              → { trigger_id }
 *   POST /__fake/response-url {channel?, user?, messageTs?} → { response_url }
 *   POST /__fake/fail-next {method, status?, retryAfter?, error?, times?}
 *   POST /__fake/socket/push {type, payload} → the ack, or 504 { error }
 */
const FailNext = z.object({
  method: z.string().min(1),
  status: z.union([z.literal(429), z.literal(500), z.literal(503)]).optional(),
  retryAfter: z.number().int().min(0).optional(),
  error: z.string().optional(),
  times: z.number().int().min(1).optional(),
});
const Target = z.object({
  channel: z.string().optional(),
  user: z.string().optional(),
  messageTs: z.string().optional(),
});
const Push = z.object({
  type: z.enum(['slash_commands', 'interactive', 'events_api']),
  payload: z.unknown(),
});

const json = (body: Record<string, unknown>, status = 200): ApiAnswer => ({ status, body });

function parsed<T>(schema: z.ZodType<T>, raw: Buffer): T | null {
  try {
    const result = schema.safeParse(raw.length ? JSON.parse(raw.toString('utf8')) : {});
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

function answerGet(rt: Runtime, url: URL): ApiAnswer {
  switch (url.pathname) {
    case '/__fake/calls':
      return json({ calls: rt.calls.list(url.searchParams.get('method') ?? undefined) });
    case '/__fake/summary':
      return json({ ...rt.calls.summary() });
    case '/__fake/messages':
      return json({ messages: rt.state.messagesIn(url.searchParams.get('channel') ?? '') });
    default:
      return json({ error: 'unknown fake endpoint' }, 404);
  }
}

async function answerPost(rt: Runtime, url: URL, raw: Buffer): Promise<ApiAnswer> {
  switch (url.pathname) {
    case '/__fake/reset-calls':
      rt.calls.reset();
      return json({ ok: true });
    case '/__fake/trigger-id':
      return json({ trigger_id: rt.state.newTriggerId() });
    case '/__fake/response-url': {
      const target = parsed(Target, raw);
      return target
        ? json({ response_url: rt.state.newResponseUrl(target) })
        : json({ error: 'bad target' }, 400);
    }
    case '/__fake/fail-next': {
      const spec = parsed(FailNext, raw);
      if (!spec) return json({ error: 'bad fail-next spec' }, 400);
      const { method, ...rest } = spec;
      rt.script.failNext(method, rest);
      return json({ ok: true });
    }
    case '/__fake/socket/push': {
      const push = parsed(Push, raw);
      if (!push) return json({ error: 'bad push' }, 400);
      return rt.socket.push(push.type, push.payload).then(
        (ack) => json({ ...ack }),
        (error: unknown) => json({ error: String(error) }, 504),
      );
    }
    default:
      return json({ error: 'unknown fake endpoint' }, 404);
  }
}

export async function answerAdmin(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://x');
  const answer = req.method === 'GET' ? answerGet(rt, url) : await answerPost(rt, url, raw);
  sendJson(res, answer);
}
