import { OpenFinding } from '../../report/security-hub-sync.js';
import type { RedisClient } from './connection.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

const CHUNK = 500;

/**
 * The findings imported into one Security Hub product as FAILED and not resolved since: the hash
 * `<prefix>:securityhub:open:<product account>:<region>`, finding id -> what archiving it needs.
 * Only what Security Hub accepted is recorded, so a refused or failed import is tried again at the
 * next scan.
 */
export function createSecurityHubLedger({ redis, prefix }: { redis: RedisClient; prefix: string }) {
  const rk = redisKeys(prefix);
  const key = (product: { accountId: string; region: string }) =>
    rk.securityHubOpen(product.accountId, product.region);
  return {
    async open(product: { accountId: string; region: string }): Promise<Map<string, OpenFinding>> {
      const out = new Map<string, OpenFinding>();
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscan(key(product), cursor, 'COUNT', CHUNK);
        for (let i = 0; i + 1 < flat.length; i += 2)
          out.set(flat[i] as string, readJson(OpenFinding, flat[i + 1] as string, 'Security Hub finding'));
        cursor = next;
      } while (cursor !== '0');
      return out;
    },

    async record(
      product: { accountId: string; region: string },
      opened: ReadonlyMap<string, OpenFinding>,
      closed: Iterable<string>,
    ): Promise<void> {
      const k = key(product);
      const pipe = redis.pipeline();
      const entries = [...opened];
      for (let i = 0; i < entries.length; i += CHUNK)
        pipe.hset(
          k,
          Object.fromEntries(entries.slice(i, i + CHUNK).map(([id, f]) => [id, JSON.stringify(f)])),
        );
      const gone = [...closed];
      for (let i = 0; i < gone.length; i += CHUNK) pipe.hdel(k, ...gone.slice(i, i + CHUNK));
      for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
    },
  };
}
export type SecurityHubLedger = ReturnType<typeof createSecurityHubLedger>;
