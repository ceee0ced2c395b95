import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from './connection.js';

async function scanNode(node: Redis, pattern: string, into: Set<string>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) into.add(key);
  } while (cursor !== '0');
}

/** Every key matching `pattern`: SCAN on one node; on a Redis Cluster, on each master (SCAN is per node). */
export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const found = new Set<string>();
  const nodes = isCluster(redis) ? redis.nodes('master') : [redis];
  for (const node of nodes) await scanNode(node, pattern, found);
  return [...found];
}
