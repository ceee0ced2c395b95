import type { Worker } from 'bullmq';
import type { RedisClient } from '../redis/connection.js';
import { countAwsCalls } from './aws.js';
import { createMetrics, type LabelValue, type Metrics } from './catalog.js';
import { type MetricsServerDeps, type ProbeResult, startMetricsServer } from './server.js';
import { collectSharedState, type SharedStateDeps } from './shared-state.js';
import { countingFetch } from './slack.js';
import { createWorkerWatch } from './workers.js';

const PING_TIMEOUT_MS = 2_000;

async function ping(redis: RedisClient): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer to PING within ${PING_TIMEOUT_MS} ms`), PING_TIMEOUT_MS);
  });
  const answer = redis.ping().then(
    (pong) => (pong === 'PONG' ? 'ok' : 'unexpected answer to PING'),
    (err: unknown) => (err instanceof Error ? err.name : 'PING failed'),
  );
  const out = await Promise.race([answer, timeout]);
  clearTimeout(timer);
  return out;
}

/**
 * The process's metrics: the catalog's registry, the hooks adapters use (AWS clients, Slack's fetch,
 * BullMQ workers, the rate limiter) and the HTTP server for /metrics, /healthz and /readyz.
 */
export function createObservability() {
  const metrics: Metrics = createMetrics();
  const workers = createWorkerWatch(metrics);
  return {
    metrics,
    registry: metrics.registry,
    /** SDK v3 clients: counts every attempt by service, operation and outcome */
    instrumentAws: <C>(client: C): C => countAwsCalls(client, metrics),
    /** for WebClient's `fetch` option: counts Slack calls by method and 429s */
    slackFetch: (inner?: typeof fetch) => countingFetch(metrics, inner),
    /** job counters, scope metrics, readiness */
    observeWorker: (worker: Worker) => workers.observe(worker),
    /** the drift feed's SQS consumer */
    drift: {
      message: (outcome: LabelValue<'driftMessages', 'outcome'>) => metrics.driftMessages.inc({ outcome }),
      lag: (seconds: number) => metrics.driftLag.observe(seconds),
      receiveFailed: () => metrics.driftReceiveErrors.inc(),
    },
    rateLimiterWaited(action: string, ms: number): void {
      if (ms <= 0) return;
      metrics.rateLimiterWaits.inc({ action });
      metrics.rateLimiterWaitSeconds.inc({ action }, ms / 1000);
    },
    /** One export of a scan to Security Hub: null when it failed before sending anything. */
    securityHubExported(
      r: { imported: number; failed: unknown[]; batchErrors: unknown[]; unsent: number } | null,
    ): void {
      if (!r) {
        metrics.securityHubExports.inc({ result: 'failed' });
        return;
      }
      const clean = r.failed.length === 0 && r.batchErrors.length === 0;
      metrics.securityHubExports.inc({ result: clean ? 'ok' : r.imported > 0 ? 'partial' : 'failed' });
      metrics.securityHubFindings.inc({ outcome: 'imported' }, r.imported);
      metrics.securityHubFindings.inc({ outcome: 'refused' }, r.failed.length);
      metrics.securityHubFindings.inc({ outcome: 'unsent' }, r.unsent);
    },
    /** Starts the HTTP server; the shared-state gauges are read from Redis at each scrape. */
    async serve(
      deps: SharedStateDeps & Pick<MetricsServerDeps, 'onError'>,
      listen: { port: number; host?: string },
    ) {
      const shared = collectSharedState(metrics, deps);
      const ready = async (): Promise<ProbeResult> => {
        const redis = await ping(deps.redis);
        const running = workers.check();
        const checks = { redis, workers: running ? 'ok' : 'not all workers of this process are running' };
        return { ok: redis === 'ok' && running, checks };
      };
      const server = await startMetricsServer(
        { registry: metrics.registry, beforeScrape: () => shared.refresh(), ready, onError: deps.onError },
        listen,
      );
      return {
        port: server.port,
        async close() {
          await server.close();
          await shared.close();
        },
      };
    },
  };
}
export type Observability = ReturnType<typeof createObservability>;
