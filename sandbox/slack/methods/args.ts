import type { FakeSlackSettings } from '../schema.js';
import type { SlackState } from '../state.js';
import type { Args } from '../types.js';

/** What a Web API method handler may use. */
export interface MethodContext {
  state: SlackState;
  settings: FakeSlackSettings;
  now: () => number;
  /** http://127.0.0.1:<port>, for URLs the fake hands out */
  baseUrl: string;
  /** a fresh Socket Mode URL with a single-use ticket */
  socketUrl: () => string;
}

export type Body = Record<string, unknown>;
export type MethodHandler = (ctx: MethodContext, args: Args) => Body;

export const ok = (fields: Body = {}): Body => ({ ok: true, ...fields });

export type Failure = {
  ok: false;
  error: string;
  response_metadata?: { messages: string[] };
};

/** `{ ok: false, error }`, with response_metadata.messages as Slack adds for argument errors. */
export function fail(error: string, messages?: string[]): Failure {
  return messages ? { ok: false, error, response_metadata: { messages } } : { ok: false, error };
}

/** A string argument (numbers and booleans as text); empty strings count as absent. */
export function str(args: Args, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function int(args: Args, key: string): number | undefined {
  const text = str(args, key);
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isInteger(value) ? value : undefined;
}

export function bool(args: Args, key: string): boolean {
  const value = args[key];
  return value === true || value === 'true' || value === '1' || value === 1;
}

export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
