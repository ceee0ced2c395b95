import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnRedisServer } from '../src/adapters/redis/embedded.js';

export { freePort } from '../src/adapters/redis/embedded.js';

export interface RedisServer {
  url: string;
  port: number;
  /** SIGKILL, as a crash would */
  kill(): Promise<void>;
  /** start again on the same port (and the same AOF, when persistent) */
  start(): Promise<void>;
  /** SIGTERM (Redis writes its AOF and exits), then start again */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real redis-server (Debian's package) on a free loopback port, for one test run.
 * `persistent` turns AOF on so a restart keeps the data, as production's redis.conf does.
 */
export async function startRedisServer(
  opts: {
    persistent?: boolean;
    /** with `persistent`: `always` (default) loses no acknowledged write on kill -9; `everysec` up to 1 s */
    appendfsync?: 'always' | 'everysec';
    /** further redis-server options, e.g. ['--maxmemory-policy', 'allkeys-lru'] (later ones win) */
    extraArgs?: string[];
  } = {},
): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'imds-redis-'));
  let child: ChildProcess | null = null;
  const exited = () =>
    new Promise<void>((resolve) =>
      child && child.exitCode === null && child.signalCode === null
        ? child.once('exit', () => resolve())
        : resolve(),
    );

  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = await spawnRedisServer({
        port,
        dir,
        appendOnly: opts.persistent ?? false,
        ...(opts.appendfsync ? { appendfsync: opts.appendfsync } : {}),
        ...(opts.extraArgs ? { extraArgs: opts.extraArgs } : {}),
      });
    },
    async kill() {
      const done = exited();
      child?.kill('SIGKILL');
      await done;
    },
    async restart() {
      const done = exited();
      child?.kill('SIGTERM');
      await done;
      await server.start();
    },
    async stop() {
      const done = exited();
      child?.kill('SIGTERM');
      await done;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
