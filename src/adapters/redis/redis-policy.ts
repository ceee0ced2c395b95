import type { Redis } from 'ioredis';
import { CodedError, errorMessage } from '../../domain/errors.js';
import { isCluster, type RedisClient } from './connection.js';

/** What the bot needs to know about its Redis before it trusts it with change requests and the audit trail. */
export interface RedisDurability {
  maxmemoryPolicy: string;
  aof: boolean;
  replicas: number;
  /** where the facts came from: ElastiCache and some managed Redis disable CONFIG */
  source: 'config' | 'info';
  /** on a Redis Cluster: how many masters were read (the worst of them is reported) */
  masters?: number;
}

/** `INFO` text as key → value (lines `key:value`, sections and comments skipped). */
function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) fields.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return fields;
}

async function replicaCount(redis: Redis): Promise<number> {
  const info = infoFields(await redis.info('replication'));
  return Number(info.get('connected_slaves') ?? 0);
}

async function fromConfig(redis: Redis): Promise<RedisDurability> {
  const [, policy = ''] = (await redis.config('GET', 'maxmemory-policy')) as string[];
  const [, aof = 'no'] = (await redis.config('GET', 'appendonly')) as string[];
  return {
    maxmemoryPolicy: policy,
    aof: aof === 'yes',
    replicas: await replicaCount(redis),
    source: 'config',
  };
}

async function fromInfo(redis: Redis): Promise<RedisDurability> {
  const memory = infoFields(await redis.info('memory'));
  const persistence = infoFields(await redis.info('persistence'));
  return {
    maxmemoryPolicy: memory.get('maxmemory_policy') ?? 'unknown',
    aof: persistence.get('aof_enabled') === '1',
    replicas: await replicaCount(redis),
    source: 'info',
  };
}

/**
 * Reads the eviction policy and persistence: CONFIG GET, or INFO where CONFIG is disabled. On a
 * Redis Cluster every master is read and the worst answer counts (one evicting master is enough to
 * lose a queue): the first policy that is not noeviction, AOF only if all have it, the fewest replicas.
 */
export async function readRedisDurability(redis: RedisClient): Promise<RedisDurability> {
  if (!isCluster(redis)) return readNode(redis);
  const masters = redis.nodes('master');
  const all = await Promise.all(masters.map(readNode));
  const [first] = all;
  if (!first) throw new CodedError('redis-unavailable', 'Redis Cluster has no master to read.');
  return {
    maxmemoryPolicy: all.find((d) => d.maxmemoryPolicy !== 'noeviction')?.maxmemoryPolicy ?? 'noeviction',
    aof: all.every((d) => d.aof),
    replicas: Math.min(...all.map((d) => d.replicas)),
    source: all.some((d) => d.source === 'info') ? 'info' : 'config',
    masters: all.length,
  };
}

async function readNode(redis: Redis): Promise<RedisDurability> {
  try {
    return await fromConfig(redis);
  } catch (err) {
    if (!/unknown command|disabled|NOPERM/i.test(errorMessage(err))) throw err;
    return fromInfo(redis);
  }
}

/** Anything but `noeviction` lets Redis drop change requests and the audit trail under memory pressure. */
export function assertNoEviction(d: RedisDurability): void {
  if (d.maxmemoryPolicy === 'noeviction') return;
  throw new CodedError(
    'redis-evicts',
    `Redis maxmemory-policy is "${d.maxmemoryPolicy}": it may evict change requests and the audit trail; set maxmemory-policy noeviction (docker/redis.conf) and start again.`,
  );
}

/** A warning when a Redis restart would lose recent writes: no AOF and no replica. */
export function durabilityWarning(d: RedisDurability): string | null {
  if (d.aof || d.replicas > 0) return null;
  const who =
    d.masters === undefined ? 'Redis has' : `A master of the Redis Cluster (${d.masters} masters) has`;
  return `${who} no AOF (appendonly no) and no replica: a restart loses requests, jobs and audit entries written since the last snapshot. Turn on appendonly yes (docker/redis.conf).`;
}

/** One line for `imds-bot health`. */
export function describeDurability(d: RedisDurability): string {
  const where = d.masters === undefined ? '' : ` (cluster: the worst of ${d.masters} masters)`;
  return `redis${where}: maxmemory-policy ${d.maxmemoryPolicy}${d.maxmemoryPolicy === 'noeviction' ? '' : ' (REFUSED: must be noeviction)'}, AOF ${d.aof ? 'on' : 'off'}, ${d.replicas} replica(s)${durabilityWarning(d) ? ' (WARNING: a restart can lose data)' : ''} [from ${d.source.toUpperCase()}]`;
}
