import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export interface RedisCut {
  url: string;
  /** resolves once a command matching the pattern has gone through; nothing after it does */
  cut: Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of Redis for one process: it forwards every connection until a client sends
 * bytes matching `pattern` (e.g. the Lua write that moves a request to `approved`), lets that
 * command through, then passes nothing more in either direction. The caller kills the process on
 * `cut`: the crash lands exactly after that command, deterministically. With `before`, that command
 * is held back too: the crash lands just before it (the write a crash loses).
 */
export async function startRedisCut(
  upstreamUrl: string,
  pattern: RegExp,
  opts: { before?: boolean } = {},
): Promise<RedisCut> {
  const up = new URL(upstreamUrl);
  const sockets = new Set<Socket>();
  let frozen = false;
  let signal: () => void = () => undefined;
  const cut = new Promise<void>((resolve) => {
    signal = resolve;
  });
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(up.port), up.hostname);
    sockets.add(client).add(upstream);
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      if (frozen) return;
      const text = tail + chunk.toString('latin1');
      tail = text.slice(-256); // a pattern split across two chunks is still seen
      const hit = pattern.test(text);
      if (!hit || !opts.before) upstream.write(chunk);
      if (!hit) return;
      frozen = true;
      signal();
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!frozen) client.write(chunk);
    });
    for (const s of [client, upstream]) {
      s.on('error', () => undefined); // the process is killed: its sockets reset
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
