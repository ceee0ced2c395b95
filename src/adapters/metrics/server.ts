import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ProbeResult {
  ok: boolean;
  /** one entry per check: "ok" or what is wrong (no secrets: shown to whoever can reach the port) */
  checks: Record<string, string>;
}

export interface MetricsServerDeps {
  registry: Registry;
  /** refreshes the gauges read from Redis before a scrape */
  beforeScrape: () => Promise<void>;
  /** /readyz: Redis answers and the workers run */
  ready: () => Promise<ProbeResult>;
  onError: (err: unknown, path: string) => void;
}

const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => ({ status, body, type });

async function route(deps: MetricsServerDeps, method: string, path: string) {
  if (method !== 'GET' && method !== 'HEAD') return text(405, 'GET only\n');
  if (path === '/healthz') return text(200, 'ok\n');
  if (path === '/readyz') {
    const r = await deps.ready();
    return text(r.ok ? 200 : 503, `${JSON.stringify(r)}\n`, 'application/json');
  }
  if (path === '/metrics') {
    await deps.beforeScrape();
    return text(200, await deps.registry.metrics(), deps.registry.contentType);
  }
  return text(404, 'not found: /metrics, /healthz, /readyz\n');
}

/**
 * The process's own small HTTP server for Prometheus and the orchestrator's probes, in every mode
 * (Socket Mode has no HTTP receiver, and the HTTP receiver's port faces Slack: /metrics stays off it).
 *   /healthz  liveness: the event loop answers
 *   /readyz   readiness: Redis answers PING and every worker of the process runs (503 otherwise)
 *   /metrics  Prometheus text format
 */
export async function startMetricsServer(
  deps: MetricsServerDeps,
  listen: { port: number; host?: string },
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    void route(deps, req.method ?? 'GET', path)
      .catch((err: unknown) => {
        deps.onError(err, path);
        return text(500, 'internal error (see the log)\n');
      })
      .then((r) => {
        res.writeHead(r.status, { 'content-type': r.type, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : r.body);
      })
      .catch((err: unknown) => deps.onError(err, path));
  });
  // a scrape that hangs must not keep the process alive on shutdown
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
