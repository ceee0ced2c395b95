import { parseRedisUrl, redactRedisUrl } from '../../config/redis-url.js';
import { CodedError, errorMessage } from '../../domain/errors.js';
import { isCluster, redisClientFor } from './connection.js';

/** Redis did not answer, or refused us: one line saying which URL and what to do. */
export class RedisUnavailable extends CodedError {
  /** nothing listens there (ECONNREFUSED): the CLI may then start a private Redis */
  readonly refused: boolean;

  constructor(message: string, opts: { refused?: boolean } = {}) {
    super('redis-unavailable', message);
    this.name = 'RedisUnavailable';
    this.refused = opts.refused ?? false;
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  if (/^[a-z]+\+/.test(url)) return redactRedisUrl(url);
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

const HINT =
  'start Redis (docker compose -f docker/compose.yaml up -d redis, or redis-server) or set REDIS_URL';

/**
 * Connects once, with no retries and a deadline: PING, and SELECT of the URL's database (ioredis
 * only logs a failed SELECT and then writes to database 0). Throws RedisUnavailable, never hangs.
 */
export async function probeRedis(url: string, timeoutMs = 3000): Promise<void> {
  const target = parseRedisUrl(url);
  // a single node's database is selected explicitly below, so that a failure is ours to report
  const single = target.kind === 'single';
  const probe = redisClientFor(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    ...(single ? { db: 0 } : {}),
  });
  let lastError: NodeJS.ErrnoException | null = null;
  probe.on('error', (err: NodeJS.ErrnoException) => {
    lastError = err; // reported by the awaits below, with the socket's own reason
  });
  const db = single ? target.db : 0;
  const where = `Redis at ${redactUrl(url)}`;
  try {
    await probe.connect().catch((err: unknown) => {
      const cause: NodeJS.ErrnoException | null = lastError;
      throw new RedisUnavailable(`${where} does not answer (${errorMessage(cause ?? err)}): ${HINT}.`, {
        refused: cause?.code === 'ECONNREFUSED',
      });
    });
    if (db !== 0) {
      try {
        if (!isCluster(probe)) await probe.select(db);
      } catch (err) {
        throw new RedisUnavailable(
          `${where} has no database ${db} (${errorMessage(err)}): use a database number the server has in REDIS_URL (0-15 by default).`,
        );
      }
    }
    const pong = await probe.ping().catch((err: unknown) => errorMessage(err));
    if (pong !== 'PONG') throw new RedisUnavailable(`${where} answered PING with "${pong}": ${HINT}.`);
  } finally {
    probe.disconnect();
  }
}
