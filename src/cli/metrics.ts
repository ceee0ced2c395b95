import type { AnchorMark } from '../adapters/metrics/shared-state.js';
import { lastAnchorOfQueue } from '../adapters/metrics/shared-state.js';
import { createAuditStore } from '../adapters/redis/audit.js';
import { createChangeRequestStore } from '../adapters/redis/change-requests.js';
import { errorMessage } from '../domain/errors.js';
import type { App } from '../main.js';

const newer = (a: AnchorMark | null, b: AnchorMark | null): AnchorMark | null =>
  !a ? b : !b ? a : Date.parse(a.at) >= Date.parse(b.at) ? a : b;

/**
 * /metrics, /healthz and /readyz of `serve` and `worker` on METRICS_PORT, stopped with the app.
 * The last anchor is the newer of the scheduled anchor job's and the anchor file's (an `audit
 * anchor` run from the CLI writes only the file).
 */
export async function startMetricsEndpoint(app: App): Promise<number> {
  const redis = app.connect('metrics');
  const { prefix } = app.config;
  const audit = createAuditStore({ redis, prefix });
  const requests = createChangeRequestStore({ redis, prefix });
  const anchorJobs = lastAnchorOfQueue(redis, prefix, app.queueDeps.onError);
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
  app.onClose(async () => {
    await server.close();
    await anchorJobs.close();
  });
  return server.port;
}
