import { errorMessage } from '../../domain/errors.js';
import type { Logger } from '../log.js';
import type { RedisClient } from './connection.js';
import { redactUrl } from './probe.js';

/** What a lost or refused connection looks like; these are told once, by the connection watch. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
const CONNECTION_TEXT =
  /Connection is closed|Stream isn't writeable|connect E[A-Z]+|read E[A-Z]+|write E[A-Z]+/;

export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  return CONNECTION_TEXT.test(errorMessage(err));
}

/**
 * Every Redis connection of the process, watched as one: the first connection that fails logs
 * "redis unreachable" once, the last one to come back "redis reachable again" once. Each retry
 * in between is a debug line. BullMQ queues, workers and queue events get `onError` as their
 * 'error' listener (without one, BullMQ prints each error as a raw stack trace to the console):
 * connection errors are the watch's, anything else is logged as it comes.
 */
export function createRedisWatch(log: Logger, url: string) {
  /** since when each connection has not been ready (absent: ready, or never connected yet) */
  const down = new Map<RedisClient, number>();
  let unreachable = false;
  const markDown = (c: RedisClient, name: string, err: Error) => {
    if (!down.has(c)) down.set(c, Date.now());
    log.debug({ connection: name, err: err.message }, 'redis connection error');
    if (unreachable) return;
    unreachable = true;
    log.warn({ url: redactUrl(url), err: err.message }, 'redis unreachable');
  };
  const markUp = (c: RedisClient) => {
    down.delete(c);
    if (!unreachable || down.size > 0) return;
    unreachable = false;
    log.info({ url: redactUrl(url) }, 'redis reachable again');
  };
  return {
    watch(c: RedisClient, name: string): RedisClient {
      c.on('error', (err: Error) => markDown(c, name, err));
      c.on('ready', () => markUp(c));
      return c;
    },
    /** the 'error' listener of every BullMQ queue, worker, flow producer and queue events */
    onError(err: Error): void {
      if (isConnectionError(err)) return;
      log.error({ err: errorMessage(err) }, 'queue error');
    },
    /** How long Redis has been out of reach (ms; 0 while every connection is ready). */
    downForMs(now = Date.now()): number {
      return Math.max(0, ...[...down.values()].map((since) => now - since));
    },
  };
}
