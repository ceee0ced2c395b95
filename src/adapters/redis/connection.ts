import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTarget } from '../../config/redis-url.js';

/** A connection to one node (or a Sentinel-managed master), or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** What a connection does when Redis is away: its own per-form options come on top. */
export interface ConnectPolicy {
  /** BullMQ's workers block: null (never give a command up) */
  maxRetriesPerRequest: number | null;
  connectionName?: string;
  retryStrategy: (attempt: number) => number | null;
  connectTimeout?: number;
  commandTimeout?: number;
  lazyConnect?: boolean;
  enableOfflineQueue?: boolean;
  /** one node only: the database to select first */
  db?: number;
}

/** After a failover the old master answers READONLY until we reconnect: reconnect and resend. */
const readonlyReconnect = (err: Error) => (err.message.startsWith('READONLY') ? 2 : false);

function sentinelOptions(t: Extract<RedisTarget, { kind: 'sentinel' }>, p: ConnectPolicy): RedisOptions {
  return {
    ...p,
    sentinels: t.sentinels,
    name: t.masterName,
    db: t.db,
    ...(t.username ? { username: t.username } : {}),
    ...(t.password ? { password: t.password } : {}),
    ...(t.sentinelUsername ? { sentinelUsername: t.sentinelUsername } : {}),
    ...(t.sentinelPassword ? { sentinelPassword: t.sentinelPassword } : {}),
    ...(t.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    // sentinels are asked again at once on +switch-master, not at the next error
    failoverDetector: true,
    sentinelRetryStrategy: p.retryStrategy,
    reconnectOnError: readonlyReconnect,
  };
}

function clusterOptions(t: Extract<RedisTarget, { kind: 'cluster' }>, p: ConnectPolicy): ClusterOptions {
  const { retryStrategy, lazyConnect, enableOfflineQueue, db: _db, ...perNode } = p;
  return {
    clusterRetryStrategy: retryStrategy,
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    // ElastiCache/MemoryDB with TLS: connect by the configured name so the certificate matches
    ...(t.tls
      ? { dnsLookup: (address: string, done: (e: null, a: string) => void) => done(null, address) }
      : {}),
    redisOptions: {
      ...perNode,
      ...(t.username ? { username: t.username } : {}),
      ...(t.password ? { password: t.password } : {}),
      ...(t.tls ? { tls: {} } : {}),
      reconnectOnError: readonlyReconnect,
    },
  };
}

/** A client for REDIS_URL in any of its forms (config/redis-url.ts) under `policy`. */
export function redisClientFor(url: string, policy: ConnectPolicy): RedisClient {
  const t = parseRedisUrl(url);
  if (t.kind === 'single') return new Redis(url, policy);
  if (t.kind === 'sentinel') return new Redis(sentinelOptions(t, policy));
  return new Cluster(t.nodes, clusterOptions(t, policy));
}

/** Whether a client talks to a Redis Cluster (keys of one script or transaction share a slot there). */
export const isCluster = (c: RedisClient): c is Cluster => c instanceof Cluster;

/**
 * A Redis connection as BullMQ wants it: workers block, so maxRetriesPerRequest must be null;
 * reconnects back off up to 2 s so a Redis restart (or a failover) is ridden out rather than fatal.
 */
export function connectRedis(url: string, name = 'imds-bot'): RedisClient {
  return redisClientFor(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
  });
}
