import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A free TCP port on 127.0.0.1, from the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPing(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused while the server starts: retried below
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`redis-server at ${url} did not answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      probe.disconnect();
    }
  }
}

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
  const url = `redis://127.0.0.1:${port}`;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ];
  args.push('--appendonly', opts.persistent ? 'yes' : 'no');
  if (opts.persistent) args.push('--appendfsync', opts.appendfsync ?? 'always');
  args.push(...(opts.extraArgs ?? []));
  let child: ChildProcess | null = null;
  const exited = () =>
    new Promise<void>((resolve) =>
      child && child.exitCode === null && child.signalCode === null
        ? child.once('exit', () => resolve())
        : resolve(),
    );

  const server: RedisServer = {
    url,
    port,
    async start() {
      child = spawn('redis-server', args, { stdio: 'ignore' });
      child.once('error', (err) => {
        throw new Error(
          `cannot start redis-server (is Debian's redis-server installed? scripts/ensure-deps.sh installs it): ${err.message}`,
        );
      });
      await waitForPing(url);
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
