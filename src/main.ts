import type { Redis } from 'ioredis';
import { createAwsClients } from './adapters/aws/clients.js';
import { createScopeReaders } from './adapters/aws/scope-readers.js';
import { planScopes } from './adapters/aws/scopes.js';
import { createLogger, type Logger } from './adapters/log.js';
import { createObservability } from './adapters/metrics/index.js';
import { createScanQueues, scanQueueOf } from './adapters/queue/scan-queues.js';
import { startScanWorkers } from './adapters/queue/scan-workers.js';
import { startScanScheduler } from './adapters/queue/schedules.js';
import { connectRedis } from './adapters/redis/connection.js';
import { createFindingsStore } from './adapters/redis/findings.js';
import { createScanLocks } from './adapters/redis/scan-lock.js';
import { createScopeProgressStore } from './adapters/redis/scope-progress.js';
import { createRedisWatch } from './adapters/redis/watch.js';
import { requestScan } from './app/scan/request-scan.js';
import { waitForScan } from './app/scan/wait-for-scan.js';
import { type Config, loadConfig } from './config/env.js';
import { loadWorkflow } from './config/workflow.js';
import type { Workflow } from './config/workflow-schema.js';
import { approvalDeadEnds } from './domain/change/approval-dead-ends.js';
import type { ScanFilter, ScanOutcome, Trigger } from './domain/findings/scan.js';

export interface AppOptions {
  env?: Record<string, string | undefined>;
  /** overrides WORKFLOW_FILE */
  workflowFile?: string | undefined;
  /** an already-parsed workflow (tests); wins over any file */
  workflow?: Workflow;
  log?: Logger;
}

/**
 * The composition root: the only place that reads the environment and builds clients. Every
 * command of the CLI (and the tests) get their parts from here.
 */
export async function createApp(opts: AppOptions = {}) {
  const config: Config = loadConfig(opts.env ?? process.env);
  const workflow: Workflow = opts.workflow ?? (await loadWorkflow(opts.workflowFile ?? config.workflowFile));
  const log = opts.log ?? createLogger(config.logLevel);
  for (const d of approvalDeadEnds(workflow.approvals))
    log.warn({ rule: d.rule, people: d.people, detail: d.message }, 'an approval rule can never be met');
  const connections: Redis[] = [];
  const redisWatch = createRedisWatch(log, config.redisUrl);
  const onQueueError = redisWatch.onError;
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
  const store = createFindingsStore({ redis, prefix: config.prefix });
  const locks = createScanLocks({ redis, prefix: config.prefix });
  /** what every BullMQ queue and worker is built from */
  const queueDeps = {
    connect,
    prefix: config.prefix,
    onError: onQueueError,
    onWorker: observability.observeWorker,
  };
  const queues = createScanQueues(queueDeps);
  const progress = createScopeProgressStore({ redis, prefix: config.prefix });
  const scopeDeps = { open: createScopeReaders({ clients }), store, progress };
  const plan = (filter: ScanFilter) => planScopes(clients, workflow, config.hubRegion, filter);
  const scanQueue = scanQueueOf(queues);
  const scanDeps = { queue: scanQueue, locks, plan, log };
  const closers: (() => Promise<void>)[] = [];

  return {
    config,
    workflow,
    log,
    redis,
    connect,
    clients,
    /** metrics and probes: hooks for adapters, the /metrics server (cli worker starts it) */
    observability,
    /** registers something to stop (before queues and Redis) when the app closes */
    onClose(close: () => Promise<void>) {
      closers.push(close);
    },
    store,
    queues,
    /** How long Redis has been out of reach (ms; 0 while every connection is ready). */
    redisDownForMs: redisWatch.downForMs,
    queueDeps,
    requestScan: (trigger: Trigger, filter?: ScanFilter) => requestScan(scanDeps, workflow, trigger, filter),
    /** `lockId` (from requestScan): a joiner then also follows a scan that is still planning */
    waitForScan: (scanId: string, onProgress?: (done: number, total: number) => void, lockId?: string) =>
      waitForScan({ queue: scanQueue, locks }, scanId, {
        ...(onProgress ? { onProgress } : {}),
        ...(lockId ? { lockId } : {}),
      }),
    /** Starts this process's scan workers; `close()` stops them first. */
    startWorkers(
      concurrency = workflow.scan.concurrency,
      onFinished?: (outcome: ScanOutcome) => Promise<void>,
    ) {
      const workers = startScanWorkers({
        ...queueDeps,
        scope: scopeDeps,
        store,
        locks,
        log,
        concurrency,
        ...(onFinished ? { onFinished } : {}),
      });
      closers.push(() => workers.close());
      return workers;
    },
    /** Upserts the workflow's scan schedule and runs the worker that turns its ticks into scans. */
    async startScheduler() {
      const scheduler = await startScanScheduler({
        ...queueDeps,
        queues,
        workflow,
        log,
        request: (t) => requestScan(scanDeps, workflow, t),
      });
      closers.push(() => scheduler.close());
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
      clients.destroy();
    },
  };
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

export type App = Awaited<ReturnType<typeof createApp>>;
