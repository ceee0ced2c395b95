import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from '../../config/env.js';
import { errorMessage } from '../../domain/errors.js';
import { answersPing, freePort, INSTALL_HINT, spawnRedisServer } from './embedded.js';
import { probeRedis, RedisUnavailable } from './probe.js';

/** The Redis a one-shot command uses, and what to do when it is done with it. */
export interface RedisLease {
  url: string;
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOLDER = 'imds-bot:private-redis-user';

/**
 * The configured Redis, checked at once (one line when it does not answer). With REDIS_URL unset
 * and nothing on the default port, `allowPrivate` commands get a private redis-server instead.
 */
export async function leaseRedis(
  config: Config,
  allowPrivate: boolean,
  err: NodeJS.WritableStream,
): Promise<RedisLease> {
  try {
    await probeRedis(config.redisUrl);
    return { url: config.redisUrl, release: async () => undefined };
  } catch (e) {
    if (config.redisUrlSet || !allowPrivate || !(e instanceof RedisUnavailable && e.refused)) throw e;
  }
  const lease = await privateRedis(config.stateDir);
  err.write(
    `imds-bot: REDIS_URL is not set and nothing answers on ${config.redisUrl}: using a private redis-server (${lease.url}) with its data in ${config.stateDir}\n`,
  );
  return lease;
}

interface ServerRecord {
  pid: number;
  port: number;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** An exclusive lock file (create-or-fail) with the holder's pid; a dead holder's lock is taken over. */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const path = join(dir, 'redis.lock');
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readOr(path, '0'));
      if (holder > 0 && !alive(holder)) rmSync(path, { force: true });
      else if (Date.now() > deadline)
        throw new RedisUnavailable(
          `${path} is held by process ${holder}: wait for it, or remove the file if it is gone`,
        );
      else await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function readRecord(dir: string): ServerRecord | null {
  try {
    const r = JSON.parse(readOr(join(dir, 'redis.json'), 'null')) as ServerRecord | null;
    return r && Number.isInteger(r.pid) && Number.isInteger(r.port) ? r : null;
  } catch {
    return null;
  }
}

/**
 * The private redis-server in `dir` (AOF on), started when none runs. Every command using it holds
 * a named connection; the last one to release it shuts it down. One lock file serialises starts
 * and stops, so two commands never run two servers on the same files.
 */
async function privateRedis(dir: string): Promise<RedisLease> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const holder = await withLock(dir, async () => {
    let rec = readRecord(dir);
    if (!rec || !alive(rec.pid) || !(await answersPing(`redis://127.0.0.1:${rec.port}`))) {
      if (rec && alive(rec.pid)) await waitForExit(rec.pid, 10_000);
      rec = await startServer(dir);
    }
    const conn = new Redis(`redis://127.0.0.1:${rec.port}`, {
      connectionName: HOLDER,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    conn.on('error', () => undefined); // a lost holder only means the server may stop early
    await conn.connect();
    return { conn, rec };
  });
  return {
    url: `redis://127.0.0.1:${holder.rec.port}`,
    release: () => withLock(dir, () => stopIfUnused(dir, holder.rec, holder.conn)),
  };
}

async function startServer(dir: string): Promise<ServerRecord> {
  const port = await freePort();
  let child: Awaited<ReturnType<typeof spawnRedisServer>>;
  try {
    child = await spawnRedisServer({
      port,
      dir: join(dir, 'redis'),
      appendOnly: true,
      appendfsync: 'everysec',
      detached: true,
    });
  } catch (e) {
    const missing = /ENOENT/.test(errorMessage(e));
    throw new RedisUnavailable(
      missing
        ? `REDIS_URL is not set, nothing answers on 127.0.0.1:6379 and redis-server is not installed: ${INSTALL_HINT}.`
        : `the private redis-server in ${dir} did not start (${errorMessage(e)}): set REDIS_URL.`,
    );
  }
  const rec = { pid: child.pid ?? 0, port };
  writeFileSync(join(dir, 'redis.json'), JSON.stringify(rec));
  return rec;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline)
      throw new RedisUnavailable(
        `a private redis-server (pid ${pid}) does not answer: stop it, or set REDIS_URL`,
      );
    await sleep(50);
  }
}

/** Shuts the server down (AOF flushed) when no other imds-bot process is connected to it. */
async function stopIfUnused(dir: string, rec: ServerRecord, holder: Redis): Promise<void> {
  await holder.quit().catch(() => holder.disconnect());
  const check = new Redis(`redis://127.0.0.1:${rec.port}`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  check.on('error', () => undefined);
  try {
    await check.connect();
    const clients = String(await check.client('LIST'));
    if (/ name=imds-bot:/.test(clients)) return; // another command still uses it
    await check.shutdown().catch(() => undefined); // the connection closes as the server exits
    await waitForExit(rec.pid, 10_000);
    rmSync(join(dir, 'redis.json'), { force: true });
  } catch {
    // the server is already gone, or will be reused by the next command: nothing to undo
  } finally {
    check.disconnect();
  }
}
