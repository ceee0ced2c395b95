import type { IncomingMessage, ServerResponse } from 'node:http';
import { logCall, type Runtime } from './api.js';
import type { ResponseUrlRecord } from './interactions.js';
import { record } from './methods/args.js';
import { checkContent } from './methods/content.js';
import type { ApiAnswer, Args } from './types.js';
import { readBody, sendJson } from './wire.js';

/**
 * POST /response/<id>: what Slack does with a response_url post. A JSON body
 * { text, blocks, response_type: 'ephemeral' (default) | 'in_channel', replace_original, delete_original,
 * thread_ts }. Answers 200 { ok: true }; refusals are HTTP 404 with { ok: false, error } where error is
 * 'expired_url' (older than 30 minutes), 'used_url' (5 accepted posts already) or 'no_such_url'
 * (Slack's exact refusal bodies are not documented: these are the fake's choice). A bad body is
 * HTTP 400 'invalid_payload' / 'no_text' and does not use up the URL.
 */
export async function answerResponseUrl(
  rt: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
): Promise<void> {
  const at = rt.now();
  const raw = (await readBody(req)).toString('utf8');
  const interactions = rt.state.interactions;
  const target = interactions.responseUrl(id);
  const body = parseJson(raw);
  const answer = decideResponse(rt, target, body);
  target?.uses.push({ id, at, body, status: answer.status, error: errorOf(answer) });
  logCall(rt, 'response_url', { response_url_id: id, ...(record(body) ?? {}) }, at, answer);
  sendJson(res, answer);
}

const errorOf = (answer: ApiAnswer): string | undefined =>
  typeof answer.body.error === 'string' ? answer.body.error : undefined;

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function decideResponse(rt: Runtime, target: ResponseUrlRecord | undefined, body: unknown): ApiAnswer {
  const refusal = rt.state.interactions.checkResponseUrl(target);
  if (refusal || !target) return { status: 404, body: { ok: false, error: refusal ?? 'no_such_url' } };
  const args = record(body);
  if (!args) return { status: 400, body: { ok: false, error: 'invalid_payload' } };
  const error = apply(rt, target, args);
  return error ? { status: 400, body: { ok: false, error } } : { status: 200, body: { ok: true } };
}

/**
 * delete_original / replace_original act on the message the interaction came from (when the URL
 * was issued with one); otherwise in_channel posts a message and ephemeral posts to the user.
 */
function apply(rt: Runtime, url: ResponseUrlRecord, args: Args): string | null {
  const { channel, user, messageTs } = url.target;
  const messages = rt.state.messages;
  if (args.delete_original === true && channel && messageTs) {
    messages.delete(channel, messageTs);
    return null;
  }
  const content = checkContent(args, rt.settings);
  if ('error' in content) return content.error;
  if (args.replace_original === true && channel && messageTs && messages.get(channel, messageTs)) {
    messages.update(channel, messageTs, content);
    return null;
  }
  if (!channel) return null;
  const thread_ts = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
  const post = {
    channel,
    text: content.text ?? '',
    blocks: content.blocks,
    thread_ts,
    source: 'response_url' as const,
  };
  if (args.response_type === 'in_channel') messages.post({ ...post, user: rt.state.botUserId });
  else if (user) messages.postEphemeral({ ...post, user });
  return null;
}
