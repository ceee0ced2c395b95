import type { Runtime } from './api.js';
import { interactionBody, slackRequestHeaders } from './signing.js';
import type { EnvelopeType } from './types.js';

/**
 * How the sandbox reaches the bot, exactly as Slack does: a v0-signed HTTP POST to the app's
 * request URL (Bolt's HTTPReceiver), or an envelope over Socket Mode to the connected app.
 */
export type AppTarget = { kind: 'http'; url: string } | { kind: 'socket' };

/** The app's acknowledgement: the JSON it answered (HTTP body or the envelope's ack payload). */
export type Delivery = { ok: true; ack: Record<string, unknown> | null } | { ok: false; error: string };

function bodyOf(type: EnvelopeType, payload: Record<string, unknown>): string {
  if (type === 'events_api') return JSON.stringify(payload);
  if (type === 'interactive') return interactionBody(payload);
  return new URLSearchParams(payload as Record<string, string>).toString();
}

const asRecord = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

async function overHttp(
  rt: Runtime,
  url: string,
  type: EnvelopeType,
  payload: Record<string, unknown>,
): Promise<Delivery> {
  const body = bodyOf(type, payload);
  // Slack signs with the wall clock: the bot checks the timestamp against its own
  const headers = slackRequestHeaders(body, rt.settings.signingSecret);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(rt.settings.socketAckTimeoutMs),
    });
    const text = await res.text();
    if (res.status !== 200) return { ok: false, error: `the bot answered HTTP ${res.status}` };
    if (!text) return { ok: true, ack: null };
    try {
      return { ok: true, ack: asRecord(JSON.parse(text)) };
    } catch {
      return { ok: true, ack: { text } };
    }
  } catch (error) {
    return {
      ok: false,
      error: `the bot did not answer at ${url} (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}

async function overSocket(
  rt: Runtime,
  type: EnvelopeType,
  payload: Record<string, unknown>,
): Promise<Delivery> {
  try {
    const ack = await rt.socket.push(type, payload);
    return { ok: true, ack: asRecord(ack.payload) };
  } catch (error) {
    return {
      ok: false,
      error: `the bot did not acknowledge over Socket Mode (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}

/** Sends one payload to the bot and waits for its acknowledgement (3 s, as Slack). */
export function deliver(
  rt: Runtime,
  target: AppTarget | null,
  type: EnvelopeType,
  payload: Record<string, unknown>,
): Promise<Delivery> {
  if (!target) return Promise.resolve({ ok: false, error: 'no bot is connected to this sandbox yet' });
  return target.kind === 'http' ? overHttp(rt, target.url, type, payload) : overSocket(rt, type, payload);
}
