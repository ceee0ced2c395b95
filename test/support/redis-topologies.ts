import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, type RedisServer, startRedisServer } from '../../sandbox/redis-server.js';
import { waitForPing } from '../../src/adapters/redis/embedded.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilTrue(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function ask<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

export interface RedisCluster {
  /** redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3 */
  url: string;
  nodes: RedisServer[];
  stop(): Promise<void>;
}

/** A real Redis Cluster of `masters` redis-servers (cluster mode, AOF on) on loopback ports. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  for (let i = 0; i < masters; i++) {
    const conf = `nodes-${process.pid}-${Date.now()}-${i}.conf`;
    const args = [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      conf,
      '--cluster-node-timeout',
      '2000',
    ];
    nodes.push(await startRedisServer({ persistent: true, appendfsync: 'everysec', extraArgs: args }));
  }
  const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
  await run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-yes']);
  for (const n of nodes)
    await untilTrue(`cluster_state:ok on ${n.port}`, async () =>
      (await ask(n.port, (r) => r.cluster('INFO'))).includes('cluster_state:ok'),
    );
  return {
    url: `redis+cluster://${addrs.join(',')}`,
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

export interface RedisSentinel {
  /** redis+sentinel://127.0.0.1:s1,…/<master> */
  url: string;
  masterName: string;
  primary: RedisServer;
  replica: RedisServer;
  /** the port the sentinels now name as master */
  masterPort(): Promise<number>;
  /** SENTINEL FAILOVER, then waits until the sentinels name the other node and it accepts writes */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

/** A master, a replica and three sentinels (quorum 2), all real redis-servers on loopback ports. */
export async function startRedisSentinel(): Promise<RedisSentinel> {
  const masterName = 'imds-master';
  const primary = await startRedisServer({ persistent: true });
  const replica = await startRedisServer({
    persistent: true,
    extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)],
  });
  await untilTrue('the replica in sync', async () =>
    (await ask(replica.port, (r) => r.info('replication'))).includes('master_link_status:up'),
  );
  const sentinels: Sentinel[] = [];
  for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(masterName, primary.port));
  const first = sentinels[0] as Sentinel;
  const masterPort = async () =>
    Number(
      (
        await ask(
          first.port,
          (r) => r.call('SENTINEL', 'get-master-addr-by-name', masterName) as Promise<string[]>,
        )
      )[1],
    );
  await untilTrue('the sentinels to see the replica', async () => {
    const rows = (await ask(first.port, (r) => r.call('SENTINEL', 'replicas', masterName))) as unknown[];
    return rows.length > 0;
  });
  return {
    url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${masterName}`,
    masterName,
    primary,
    replica,
    masterPort,
    async failover() {
      const before = await masterPort();
      await untilTrue('SENTINEL FAILOVER accepted', async () => {
        await ask(first.port, (r) => r.call('SENTINEL', 'failover', masterName));
        return true;
      });
      await untilTrue('a new master', async () => (await masterPort()) !== before);
      const now = await masterPort();
      await untilTrue('the new master to accept writes', async () =>
        (await ask(now, (r) => r.info('replication'))).includes('role:master'),
      );
      return now;
    },
    async stop() {
      await Promise.all([...sentinels, replica, primary].map((s) => s.stop()));
    },
  };
}

interface Sentinel {
  port: number;
  stop(): Promise<void>;
}

/** redis-server --sentinel with a config file of its own (Sentinel rewrites it as it learns). */
async function startSentinel(masterName: string, masterPort: number): Promise<Sentinel> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'imds-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${masterName} 1000`,
      `sentinel failover-timeout ${masterName} 5000`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  await waitForPing(`redis://127.0.0.1:${port}`, 10_000, () => child.exitCode === null);
  return {
    port,
    async stop() {
      const done = new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
      child.kill('SIGTERM');
      await done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
