import { createAwsClients } from '../adapters/aws/clients.js';
import { readOrganizationPolicies } from '../adapters/aws/guardrails.js';
import { createScopeReaders } from '../adapters/aws/inventory.js';
import { planScopes } from '../adapters/aws/scopes.js';
import { createSecurityHubExport } from '../adapters/aws/security-hub.js';
import { type AfterScan, chainAfterScan, securityHubAfterScan } from '../adapters/aws/security-hub-hook.js';
import type { Logger } from '../adapters/log.js';
import { createObservability } from '../adapters/metrics/index.js';
import { createScanQueues, scanQueueOf } from '../adapters/queue/scan-queues.js';
import { startScanWorkers } from '../adapters/queue/scan-workers.js';
import { startScanScheduler } from '../adapters/queue/schedules.js';
import { connectRedis, type RedisClient } from '../adapters/redis/connection.js';
import { createStores } from '../adapters/redis/index.js';
import { createSecurityHubLedger } from '../adapters/redis/security-hub-ledger.js';
import { createRedisWatch } from '../adapters/redis/watch.js';
import type { RequestScan, WaitForScan } from '../adapters/slack/tasks/context.js';
import { requestScan } from '../app/scan/request-scan.js';
import { waitForScan } from '../app/scan/wait-for-scan.js';
import type { Config } from '../config/env.js';
import { parseRedisUrl } from '../config/redis-url.js';
import type { Workflow } from '../config/workflow-schema.js';
import type { Trigger } from '../domain/findings/scan.js';

/**
 * The part of the composition root (src/main.ts) every command builds on, and the order it closes
 * in. src/compose/ holds the composition root's pieces: nothing but main.ts and each other import them.
 */

/** Redis connections, AWS clients, stores, the scan queues and the scan use cases. */
export function buildCore(config: Config, workflow: Workflow, log: Logger) {
  const connections: RedisClient[] = [];
  const redisWatch = createRedisWatch(log, config.redisUrl);
  const connect = (name: string) => {
    const c = redisWatch.watch(connectRedis(config.redisUrl, `imds-bot:${name}`), name);
    connections.push(c);
    return c;
  };
  const redis = connect('store');
  const observability = createObservability();
  const clients = createAwsClients({
    hubRegion: config.hubRegion,
    sessionName: config.sessionName,
    instrument: observability.instrumentAws,
  });
  // with Sentinel, an audit entry is on the replica before it counts as written (a failover keeps it)
  const replicas = parseRedisUrl(config.redisUrl).kind === 'sentinel' ? 1 : 0;
  const stores = createStores({ redis, prefix: config.prefix, replicas });
  /** what every BullMQ queue and worker is built from */
  const queueDeps = {
    connect,
    prefix: config.prefix,
    onError: redisWatch.onError,
    onWorker: observability.observeWorker,
  };
  const queues = createScanQueues(queueDeps);
  const { findings: store, locks, progress } = stores;
  const scopeDeps = { open: createScopeReaders({ clients }), store, progress };
  // organizations mode: the SCPs and declarative policies, once per scan, from the hub
  const accounts = workflow.scope.accounts;
  const organization =
    typeof accounts === 'object' && 'organization' in accounts
      ? { read: () => readOrganizationPolicies(clients.organizations), store: stores.organization }
      : null;
  const scanQueue = scanQueueOf(queues);
  const scanDeps = {
    queue: scanQueue,
    locks,
    plan: (filter: Parameters<RequestScan>[1] = {}) =>
      planScopes(clients, workflow, config.hubRegion, filter),
    log,
  };
  const closers: (() => Promise<void>)[] = [];
  const onClose = (close: () => Promise<void>) => {
    closers.push(close);
  };
  const toSecurityHub = securityHubHook(config, workflow, { redis, clients, observability, store, log });
  const core = {
    config,
    workflow,
    log,
    redis,
    connect,
    clients,
    observability,
    stores,
    queueDeps,
    queues,
    redisDownForMs: redisWatch.downForMs,
    /** registers something to stop (before queues and Redis) when the app closes; last in, first out */
    onClose,
    requestScan: ((trigger, filter) => requestScan(scanDeps, workflow, trigger, filter)) as RequestScan,
    waitForScan: ((scanId, onProgress, lockId) =>
      waitForScan({ queue: scanQueue, locks }, scanId, {
        ...(onProgress ? { onProgress } : {}),
        ...(lockId ? { lockId } : {}),
      })) as WaitForScan,
    /** Starts this process's scan workers; `close()` stops them first. */
    startWorkers(concurrency = workflow.scan.concurrency, afterScan?: AfterScan) {
      const onFinished = chainAfterScan(log, afterScan, toSecurityHub?.hook);
      const workers = startScanWorkers({
        ...queueDeps,
        scope: scopeDeps,
        store,
        locks,
        log,
        concurrency,
        ...(onFinished ? { onFinished } : {}),
        ...(organization ? { organization } : {}),
      });
      onClose(() => workers.close());
      return workers;
    },
    /** Upserts the workflow's scan schedule and runs the worker that turns its ticks into scans. */
    async startScheduler() {
      const request = (t: Trigger) => requestScan(scanDeps, workflow, t);
      const scheduler = await startScanScheduler({ ...queueDeps, queues, workflow, log, request });
      onClose(() => scheduler.close());
      return scheduler;
    },
    /**
     * Workers, then queues, then Redis, then AWS clients: nothing is cut off mid-job. A step that
     * cannot finish in `graceMs` (Redis gone) is abandoned: connections are then cut, never waited on.
     */
    async close(graceMs = 10_000): Promise<void> {
      const deadline = Date.now() + graceMs;
      const steps = [...closers.reverse(), () => queues.close()];
      for (const step of steps) await withDeadline(step(), deadline);
      await withDeadline(Promise.all(connections.map((c) => c.quit().catch(() => undefined))), deadline);
      for (const c of connections) c.disconnect();
      toSecurityHub?.close();
      clients.destroy();
    },
  };
  return core;
}

export type Core = ReturnType<typeof buildCore>;

/** The workflow's exports.securityHub: the after-scan export, or null when it is off. */
function securityHubHook(
  config: Config,
  workflow: Workflow,
  d: Pick<Core, 'redis' | 'clients' | 'observability' | 'log'> & { store: Core['stores']['findings'] },
) {
  const sh = workflow.exports.securityHub;
  if (!sh.enabled) return null;
  const exporter = createSecurityHubExport({
    region: sh.region ?? config.hubRegion,
    accountId: sh.accountId,
    sts: d.clients.sts,
    ledger: createSecurityHubLedger({ redis: d.redis, prefix: config.prefix }),
    instrument: d.observability.instrumentAws,
  });
  const hook = securityHubAfterScan({
    exporter,
    snapshots: (scopes) => d.store.getSnapshots(scopes),
    log: d.log,
    observe: (r) => d.observability.securityHubExported(r),
  });
  return { hook, close: () => exporter.close() };
}

/** Waits for `p` until `deadline` (epoch ms) at most; its failure is not the caller's concern. */
async function withDeadline(p: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  await Promise.race([p.catch(() => undefined), expired]);
  clearTimeout(timer);
}
