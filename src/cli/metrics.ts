import type { AnchorMark } from '../adapters/metrics/shared-state.js';
import { errorMessage } from '../domain/errors.js';
import type { App } from '../main.js';

const newer = (a: AnchorMark | null, b: AnchorMark | null): AnchorMark | null =>
  !a ? b : !b ? a : Date.parse(a.at) >= Date.parse(b.at) ? a : b;

/**
 * /metrics, /healthz and /readyz of `serve` and `worker` on METRICS_PORT, stopped with the app.
 * The last anchor is the newer of the scheduled anchor job's and the anchor file's (an `audit
 * anchor` run from the CLI writes only the file). Its connection and stores come from main.ts.
 */
export async function startMetricsEndpoint(app: App): Promise<number> {
  const { redis, audit, requests, anchorJobs } = app.metricsSources();
  const { prefix } = app.config;
  const file = app.anchorFile;
  const server = await app.observability.serve(
    {
      redis,
      prefix,
      changeCounts: () => requests.countsByState(),
      auditHead: async () => (await audit.head())?.seq ?? null,
      lastAnchor: async () => {
        const fromFile = file ? ((await file.read()).at(-1) ?? null) : null;
        return newer(await anchorJobs.read(), fromFile);
      },
      onQueueError: app.queueDeps.onError,
      onError: (err, path) => app.log.warn({ path, err: errorMessage(err) }, 'metrics endpoint failed'),
    },
    { port: app.config.metricsPort },
  );
  // registered after the sources: the server stops first, then the anchor queue (last in, first out)
  app.onClose(() => server.close());
  return server.port;
}
