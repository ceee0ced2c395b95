import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One connection attempt, no retries: true when the server answers PING. */
export async function answersPing(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined); // refused: the answer is false
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Waits until the server at `url` answers PING (it may be loading its AOF). */
export async function waitForPing(url: string, timeoutMs = 10_000, alive: () => boolean = () => true) {
  const deadline = Date.now() + timeoutMs;
  while (!(await answersPing(url))) {
    if (!alive()) throw new Error(`redis-server for ${url} exited before it answered`);
    if (Date.now() > deadline)
      throw new Error(`redis-server at ${url} did not answer within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export const INSTALL_HINT =
  'install redis-server (apt-get install redis-server, or brew install redis) or set REDIS_URL';

export interface RedisServerOptions {
  port: number;
  dir: string;
  /** AOF: a restart keeps the data, as production's redis.conf does */
  appendOnly: boolean;
  /** with `appendOnly`: `always` loses no acknowledged write on kill -9; `everysec` up to 1 s */
  appendfsync?: 'always' | 'everysec';
  /** further redis-server options, e.g. ['--maxmemory-policy', 'allkeys-lru'] (later ones win) */
  extraArgs?: string[];
  /** survive the process that started it (the CLI's private Redis) */
  detached?: boolean;
}

/** Debian's (or Homebrew's) redis-server on loopback, `noeviction`, no RDB snapshots. */
export async function spawnRedisServer(o: RedisServerOptions): Promise<ChildProcess> {
  mkdirSync(o.dir, { recursive: true });
  const args = ['--port', String(o.port), '--bind', '127.0.0.1', '--dir', o.dir, '--save', ''];
  args.push('--maxmemory-policy', 'noeviction', '--appendonly', o.appendOnly ? 'yes' : 'no');
  if (o.appendOnly) args.push('--appendfsync', o.appendfsync ?? 'always');
  args.push(...(o.extraArgs ?? []));
  const child = spawn('redis-server', args, { stdio: 'ignore', detached: o.detached ?? false });
  let spawnError: Error | null = null;
  child.once('error', (err) => {
    spawnError = err;
  });
  const alive = () => !spawnError && child.exitCode === null && child.signalCode === null;
  try {
    await waitForPing(`redis://127.0.0.1:${o.port}`, 10_000, alive);
  } catch (err) {
    if (!spawnError) throw err;
    const e: Error = spawnError;
    throw new Error(`cannot start redis-server (${e.message}): ${INSTALL_HINT}`, { cause: e });
  }
  if (o.detached) child.unref();
  return child;
}
