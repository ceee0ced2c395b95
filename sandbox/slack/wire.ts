import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiAnswer, Args } from './types.js';

/** Fields WebClient sends JSON-encoded inside a form (it stringifies every non-scalar value). */
const JSON_FIELDS = ['blocks', 'attachments', 'view', 'files', 'metadata'];

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, answer: ApiAnswer): void {
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...answer.headers,
  });
  res.end(body);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function multipartArgs(contentType: string, raw: Buffer): Promise<Args> {
  const form = await new Response(new Uint8Array(raw), {
    headers: { 'content-type': contentType },
  }).formData();
  const args: Args = {};
  for (const [key, value] of form.entries()) {
    args[key] = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer());
  }
  return args;
}

export type ParsedArgs = { ok: true; args: Args } | { ok: false; error: string };

/** Arguments from the query string and a form, JSON or multipart body, the ways Slack accepts them. */
export async function parseArgs(req: IncomingMessage, raw: Buffer): Promise<ParsedArgs> {
  const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (raw.length === 0) return { ok: true, args: query };
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    return { ok: true, args: { ...query, ...Object.fromEntries(new URLSearchParams(raw.toString('utf8'))) } };
  }
  if (contentType.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return { ok: false, error: 'invalid_json' };
      }
      return { ok: true, args: { ...query, ...(parsed as Args) } };
    } catch {
      return { ok: false, error: 'invalid_json' };
    }
  }
  if (contentType.startsWith('multipart/form-data')) {
    try {
      return { ok: true, args: { ...query, ...(await multipartArgs(contentType, raw)) } };
    } catch {
      return { ok: false, error: 'invalid_form_data' };
    }
  }
  return { ok: false, error: contentType ? 'invalid_post_type' : 'missing_post_type' };
}

/** Decodes the JSON-valued fields, for handlers and the call log. Undecodable strings stay strings. */
export function decodeJsonFields(args: Args): Args {
  const out: Args = { ...args };
  for (const key of JSON_FIELDS) {
    const value = out[key];
    if (typeof value !== 'string') continue;
    try {
      out[key] = JSON.parse(value);
    } catch {
      // left as the string it was: the handler answers invalid_blocks_format / invalid_arguments
    }
  }
  return out;
}

/** The token of a call: `Authorization: Bearer …`, else a `token` argument. */
export function tokenOf(req: IncomingMessage, args: Args): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim() || undefined;
  return typeof args.token === 'string' && args.token ? args.token : undefined;
}

/** The args as the call log keeps them: without the token. */
export function withoutToken(args: Args): Args {
  const { token: _token, ...rest } = args;
  return rest;
}
