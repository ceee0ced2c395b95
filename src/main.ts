import { auditSinkTargets, startAuditSinks } from './adapters/audit-sink/index.js';
import { createAutoScalingChanges } from './adapters/aws/auto-scaling-refresh.js';
import { createAwsClients } from './adapters/aws/clients.js';
import { createDriftReader } from './adapters/aws/drift-reader.js';
import { readOrganizationPolicies } from './adapters/aws/guardrails.js';
import { createRemediation, remediationIn } from './adapters/aws/remediation.js';
import { createScopeReaders } from './adapters/aws/scope-readers.js';
import { accountResolver, planScopes } from './adapters/aws/scopes.js';
import { createSecurityHubExport } from './adapters/aws/security-hub.js';
import { type AfterScan, chainAfterScan, securityHubAfterScan } from './adapters/aws/security-hub-hook.js';
import { createSqsClient, regionOfQueueUrl, startSqsConsumer } from './adapters/aws/sqs.js';
import { createInstanceCommands, loadFindCallersScript } from './adapters/aws/ssm.js';
import { createUsageReader } from './adapters/aws/usage.js';
import { createLogger, type Logger } from './adapters/log.js';
import { createObservability } from './adapters/metrics/index.js';
import { lastAnchorOfQueue } from './adapters/metrics/shared-state.js';
import { startAnchorSchedule } from './adapters/queue/anchor-schedule.js';
import { createChangeQueue, startChangeWorker } from './adapters/queue/changes.js';
import { createScanQueues, scanQueueOf } from './adapters/queue/scan-queues.js';
import { startScanWorkers } from './adapters/queue/scan-workers.js';
import { scheduleDigests, startScanScheduler, startSweeper } from './adapters/queue/schedules.js';
import { type AnchorFile, createAnchorFile } from './adapters/redis/anchor-file.js';
import { createAuditStore } from './adapters/redis/audit.js';
import { createBulkTally, createChangeMemo } from './adapters/redis/change-memo.js';
import { createChangeRequestStore } from './adapters/redis/change-requests.js';
import type { RedisClient } from './adapters/redis/connection.js';
import { connectRedis } from './adapters/redis/connection.js';
import { createDriftBurst } from './adapters/redis/drift-burst.js';
import { createHandledEvents } from './adapters/redis/handled-events.js';
import { createStores } from './adapters/redis/index.js';
import { budgetFor, createRateLimiter, rateKey } from './adapters/redis/rate-limit.js';
import { createSecurityHubLedger } from './adapters/redis/security-hub-ledger.js';
import type { SlackDeliveryStore } from './adapters/redis/slack-delivery.js';
import { createRedisWatch } from './adapters/redis/watch.js';
import { createAccess } from './adapters/slack/access.js';
import type { BoltDeps } from './adapters/slack/app.js';
import { createChangeNotifier } from './adapters/slack/blocks/change-cards.js';
import { createDirectory, type Directory } from './adapters/slack/directory.js';
import { createDriftAlerts } from './adapters/slack/drift-alerts.js';
import { StartStopped, verifyBotToken } from './adapters/slack/identity.js';
import { createSlackOutQueue, type SlackOutQueue, startSlackOutWorker } from './adapters/slack/out.js';
import {
  createSlackTaskQueue,
  type SlackTaskQueue,
  startSlackTaskWorker,
} from './adapters/slack/task-queue.js';
import type { RequestScan, TaskContext, WaitForScan } from './adapters/slack/tasks/context.js';
import { precheckDecision } from './adapters/slack/tasks/gate.js';
import { handleTask } from './adapters/slack/tasks/handle.js';
import { wakeSnoozes } from './adapters/slack/tasks/sweeper.js';
import { createSlackClient, responseOrigins } from './adapters/slack/web.js';
import type { ChangeContext } from './app/change/context.js';
import { expireDue } from './app/change/decide.js';
import { resumeStuck } from './app/change/resume.js';
import { handleDriftMessages } from './app/drift/consume.js';
import type { DriftDeps } from './app/drift/handle-event.js';
import { requestScan, settingsOf } from './app/scan/request-scan.js';
import { waitForScan } from './app/scan/wait-for-scan.js';
import { type Config, loadConfig } from './config/env.js';
import { parseRedisUrl } from './config/redis-url.js';
import { loadSlackConfig, type SlackConfig } from './config/slack-env.js';
import { loadWorkflow } from './config/workflow.js';
import type { DriftSettings, Workflow } from './config/workflow-schema.js';
import { approvalDeadEnds } from './domain/change/approval-dead-ends.js';
import type { ScanOutcome, Trigger } from './domain/findings/scan.js';

type Env = Record<string, string | undefined>;

export interface AppOptions {
  /** the environment, read here and nowhere else (the CLI passes its process's) */
  env: Env;
  /** overrides WORKFLOW_FILE */
  workflowFile?: string | undefined;
  /** an already-parsed workflow (tests); wins over any file */
  workflow?: Workflow;
  log?: Logger;
}

export interface SlackOptions {
  /** run the Bolt app (serve, default); workers alone need only the queues */
  listen?: boolean;
  /** run this process's Slack task and delivery workers, the change worker and the sweeper (default true) */
  workers?: boolean;
  /** run the worker that changes production in this process (default true) */
  changeWorker?: boolean;
  now?: () => Date;
  /** stops a start-up that waits for an unreachable Slack API (SIGTERM) */
  signal?: AbortSignal;
}

/**
 * The composition root: the only reader of the environment and the only place that builds
 * clients, stores, queues and workers. Every command of the CLI (and the tests) start from here.
 */
export async function createApp(opts: AppOptions) {
  const config = loadConfig(opts.env);
  const workflow = opts.workflow ?? (await loadWorkflow(opts.workflowFile ?? config.workflowFile));
  const log = opts.log ?? createLogger(config.logLevel);
  for (const d of approvalDeadEnds(workflow.approvals))
    log.warn({ rule: d.rule, people: d.people, detail: d.message }, 'an approval rule can never be met');
  const core = buildCore(config, workflow, log);
  const slackConfig = () => loadSlackConfig(opts.env);
  return {
    config,
    workflow,
    log,
    redis: core.redis,
    connect: core.connect,
    clients: core.clients,
    /** metrics and probes: hooks for adapters, the /metrics server (cli worker starts it) */
    observability: core.observability,
    /** what the /metrics endpoint reads at each scrape, over its own connection; closed with the app */
    metricsSources: () => metricsSources(core),
    /** registers something to stop (before queues and Redis) when the app closes */
    onClose: core.onClose,
    store: core.stores.findings,
    /** the organization's policies as the latest organizations-mode scan read them */
    organization: core.stores.organization,
    audit: core.stores.audit,
    queues: core.queues,
    queueDeps: core.queueDeps,
    /** How long Redis has been out of reach (ms; 0 while every connection is ready). */
    redisDownForMs: core.redisDownForMs,
    /** who runs a one-shot command ($USER), for the trigger of what it starts */
    operator: opts.env.USER ?? null,
    requestScan: core.requestScan,
    waitForScan: core.waitForScan,
    startWorkers: core.startWorkers,
    startScheduler: core.startScheduler,
    /** the hook `worker` and `serve` give their scan workers: rejections and regressions go to Slack at once */
    afterScan,
    /** the workflow's audit.anchorFile, if set */
    anchorFile: anchorFileOf(workflow),
    /** posts to the security channel, when Slack is configured (SLACK_BOT_TOKEN) and the workflow names one */
    securityPoster: () =>
      opts.env.SLACK_BOT_TOKEN && workflow.slack.securityChannel
        ? securityPoster(slackConfig(), workflow)
        : null,
    /** The Slack side (queues, workers, sweeper, digest schedule; the Bolt app unless `listen: false`). */
    startSlack: (o: SlackOptions = {}) => startSlack(core, slackConfig(), o),
    /**
     * `worker` and `serve`: the Slack side when configured (serve requires it), scan workers that
     * post regressions and rejections after each scan, the scan schedule and audit anchoring.
     * Null when `signal` stopped the start-up before Slack answered.
     */
    startBot: (o: { listen: boolean; signal: AbortSignal }) =>
      startBot(core, opts.env.SLACK_BOT_TOKEN || o.listen ? slackConfig() : null, {
        ...o,
        sinks: () => auditSinkTargets(workflow.audit.sinks ?? [], opts.env),
      }),
    close: core.close,
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;

/** Redis connections, AWS clients, stores, the scan queues and the scan use cases. */
function buildCore(config: Config, workflow: Workflow, log: Logger) {
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
type Core = ReturnType<typeof buildCore>;

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

/** The /metrics endpoint's own connection, the stores it counts and the anchor queue's last job. */
function metricsSources(core: Core) {
  const redis = core.connect('metrics');
  const on = { redis, prefix: core.config.prefix };
  const anchorJobs = lastAnchorOfQueue(redis, core.config.prefix, core.queueDeps.onError);
  core.onClose(() => anchorJobs.close());
  return { redis, audit: createAuditStore(on), requests: createChangeRequestStore(on), anchorJobs };
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

const anchorFileOf = (workflow: Workflow): AnchorFile | null =>
  workflow.audit.anchorFile ? createAnchorFile(workflow.audit.anchorFile) : null;

function securityPoster(slack: SlackConfig, workflow: Workflow): ((text: string) => Promise<void>) | null {
  const channel = workflow.slack.securityChannel;
  if (!channel) return null;
  const client = createSlackClient(slack.botToken, slack.apiUrl);
  return async (text) => {
    await client.chat.postMessage({ channel, text });
  };
}

/**
 * Change control: the apply queue and its worker, and a remediation per account x region whose
 * every AWS call first takes a token from the shared Redis rate limiter (below EC2's own buckets).
 */
function startChangeControl(
  core: Core,
  w: { directory: Directory; out: SlackOutQueue; now: () => Date },
  opts: { worker: boolean },
): ChangeContext {
  const { redis, log, workflow, stores, clients } = core;
  const prefix = core.config.prefix;
  const queue = createChangeQueue(core.queueDeps);
  const limiter = createRateLimiter({ redis, prefix });
  const accountFor = accountResolver(clients, workflow);
  const clientsFor = async (scope: { accountId: string; region: string }) =>
    clients.forScope(await accountFor(scope.accountId), scope.region);
  const usageReader = createUsageReader();
  let script: string | null = null;
  const callerScript = () => {
    script ??= loadFindCallersScript();
    return script;
  };
  const ctx: ChangeContext = {
    workflow,
    requests: stores.requests,
    audit: stores.audit,
    findings: stores.findings,
    memo: createChangeMemo({ redis, prefix }),
    tally: createBulkTally({ redis, prefix }),
    remediationFor: async (scope, by) => {
      const r = createRemediation({
        log,
        beforeCall: async (action) => {
          const budget = budgetFor(action);
          if (budget)
            core.observability.rateLimiterWaited(
              action,
              await limiter.acquire(rateKey(action, scope), budget),
            );
        },
      });
      const change = clients.forChange(await accountFor(scope.accountId), scope.region, by);
      return remediationIn(r, change.ec2, scope, change.session);
    },
    autoScalingFor: async (scope, by) => {
      const change = clients.forChange(await accountFor(scope.accountId), scope.region, by);
      return createAutoScalingChanges(change.autoScaling, change.ec2, scope);
    },
    usage: {
      read: async (scope, ids, win) =>
        usageReader.read((await clientsFor(scope)).cloudwatch, scope, ids, win),
    },
    commandsFor: async (scope, by) =>
      createInstanceCommands(
        clients.ssmForChange(await accountFor(scope.accountId), scope.region, by),
        callerScript(),
      ),
    owners: {
      userOf: async (f) => {
        const route = await w.directory.routeOf(f);
        return route?.kind === 'user' ? route.userId : null;
      },
    },
    notifier: createChangeNotifier({
      workflow,
      deliveries: stores.deliveries,
      cards: stores.cards,
      out: w.out,
      log,
    }),
    jobs: queue,
    botHost: core.config.botHost,
    now: w.now,
  };
  const worker = opts.worker ? startChangeWorker({ ...core.queueDeps, ctx, log }) : null;
  core.onClose(async () => {
    await worker?.close();
    await queue.close();
  });
  return ctx;
}

/** The Slack side: queues, change control, this process's workers, the digest schedule, Bolt. */
async function startSlack(core: Core, config: SlackConfig, opts: SlackOptions) {
  const { log, workflow, stores } = core;
  const client = createSlackClient(config.botToken, config.apiUrl, core.observability.slackFetch());
  const identity = await verifyBotToken(client, {
    expectedTeamId: config.teamId,
    log,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!identity) throw new StartStopped();
  const tasks = createSlackTaskQueue(core.queueDeps);
  const out = createSlackOutQueue(core.queueDeps);
  core.onClose(async () => {
    await Promise.all([tasks.close(), out.close()]);
  });
  const directory = createDirectory({ client, cache: stores.slackCache, settings: workflow.slack });
  const access = createAccess({ client, cache: stores.slackCache, approvals: workflow.approvals });
  const now = opts.now ?? (() => new Date());
  const workers = opts.workers !== false;
  const routing = { directory, access, out, now };
  const change = startChangeControl(core, routing, { worker: workers && opts.changeWorker !== false });
  const ctx: TaskContext = {
    ...routing,
    requestScan: core.requestScan,
    waitForScan: core.waitForScan,
    findings: stores.findings,
    workflow,
    client,
    slackState: stores.slackState,
    snoozes: stores.snoozes,
    acks: stores.acks,
    audit: stores.audit,
    cards: stores.cards,
    change,
    log,
    organization: stores.organization,
    refreshOffers: stores.deliveries,
  };
  if (workers) await startSlackWorkers(core, ctx, config);
  await scheduleDigests(tasks.queue, workflow.schedules.digest);
  const bolt =
    opts.listen === false
      ? null
      : // Bolt (and Express under it) is loaded only by a process that listens: a one-shot
        // scan or report never pays for it
        await (await import('./adapters/slack/app.js')).startBolt(
          config,
          identity,
          boltDeps(ctx, tasks, stores.deliveries),
          core.observability.slackFetch(),
        );
  if (bolt)
    core.onClose(async () => {
      await bolt.stop();
    });
  return { ctx, tasks, out, bolt, identity };
}
export type SlackRuntime = Awaited<ReturnType<typeof startSlack>>;

/** Task and delivery workers, and the sweeper; `close()` stops them before the queues. */
async function startSlackWorkers(core: Core, ctx: TaskContext, config: SlackConfig) {
  const { queueDeps, log } = core;
  const taskWorker = startSlackTaskWorker({ ...queueDeps, handle: (task) => handleTask(ctx, task), log });
  const outWorker = startSlackOutWorker({
    ...queueDeps,
    client: ctx.client,
    cards: ctx.cards,
    deliveries: core.stores.deliveries,
    slackState: ctx.slackState,
    responseOrigins: responseOrigins(config.apiUrl),
    log,
  });
  // every minute: snoozes that ended go back to their owners (once each); undecided requests
  // expire; approved or applying requests without a live job are resumed (see resumeStuck)
  const sweeper = await startSweeper({
    ...queueDeps,
    sweep: async () => ({
      woken: await wakeSnoozes(ctx),
      expired: await expireDue(ctx.change),
      resumed: await resumeStuck(ctx.change),
    }),
  });
  core.onClose(async () => {
    await Promise.all([taskWorker.close(), outWorker.close(), sweeper.close()]);
  });
}

/** What the served Bolt app needs: the listeners' queues and stores, the guard's audit. */
const boltDeps = (ctx: TaskContext, tasks: SlackTaskQueue, deliveries: SlackDeliveryStore): BoltDeps => ({
  listeners: {
    tasks,
    workflow: ctx.workflow,
    log: ctx.log,
    requests: ctx.change.requests,
    findings: ctx.findings,
    out: ctx.out,
    precheck: (attempt) => precheckDecision(ctx, attempt),
    forgetGroup: (group) => ctx.access.forgetGroup(group),
  },
  audit: ctx.audit,
  deliveries,
  now: ctx.now,
  log: ctx.log,
});

/** After each scan: rejected IMDSv1 calls are alerted, regressions go to their owners at once. */
const afterScan = (tasks: SlackTaskQueue) => async (o: ScanOutcome) => {
  if (o.rejections.length > 0) await tasks.add({ kind: 'rejections', items: o.rejections });
  if (o.diff.regressed > 0)
    await tasks.add({ kind: 'digest', trigger: { kind: 'scan', by: o.scanId }, onlyRegressions: true });
};

/** `worker` / `serve`; null when `signal` stopped the start-up while Slack was being reached. */
async function startBot(
  core: Core,
  slackConfig: SlackConfig | null,
  opts: { listen: boolean; signal: AbortSignal; sinks: () => ReturnType<typeof auditSinkTargets> },
) {
  const targets = opts.sinks();
  const slack = slackConfig
    ? await startSlack(core, slackConfig, { listen: opts.listen, signal: opts.signal }).catch(
        (e: unknown) => {
          if (e instanceof StartStopped) return null;
          throw e;
        },
      )
    : null;
  if (opts.signal.aborted) return null;
  core.startWorkers(core.workflow.scan.concurrency, slack ? afterScan(slack.tasks) : undefined);
  await core.startScheduler();
  if (core.workflow.drift) startDrift(core, core.workflow.drift, slack?.tasks ?? null);
  const file = anchorFileOf(core.workflow);
  const post = slack && slackConfig ? securityPoster(slackConfig, core.workflow) : null;
  if (file || post) {
    const anchors = await startAnchorSchedule({
      ...core.queueDeps,
      schedule: core.workflow.schedules.anchor,
      anchor: { audit: core.stores.audit, file, post, now: () => new Date() },
      log: core.log,
    });
    core.onClose(() => anchors.close());
  }
  if (targets.length > 0) {
    const { redis, log, config } = core;
    const reader = (name: string) => core.connect(`audit-sink-${name}`);
    const sinks = startAuditSinks({ targets, redis, reader, prefix: config.prefix, log });
    core.onClose(() => sinks.stop());
  }
  return { slack, slackMode: slackConfig?.mode ?? null };
}

/** The drift feed: each queue long-polled; each event rescans its instances and alerts their owners. */
function startDrift(core: Core, settings: DriftSettings, tasks: SlackTaskQueue | null): void {
  const { clients, workflow, log, observability } = core;
  if (!tasks) log.warn({}, 'drift: Slack is not configured: findings are updated, nobody is alerted');
  const deps: DriftDeps = {
    handled: createHandledEvents({ redis: core.redis, prefix: core.config.prefix }),
    reader: createDriftReader({ clients, accountFor: accountResolver(clients, workflow), log }),
    findings: core.stores.findings,
    alerts: tasks
      ? createDriftAlerts({
          tasks,
          burst: createDriftBurst({ redis: core.redis, prefix: core.config.prefix }),
          quietSeconds: settings.alertQuietSeconds,
          maxDelaySeconds: settings.alertMaxDelaySeconds,
        })
      : { soon: async () => {} },
    settings: settingsOf(workflow),
    log,
    now: () => new Date(),
  };
  for (const queueUrl of settings.queueUrls) {
    const region = regionOfQueueUrl(queueUrl) ?? core.config.hubRegion;
    const sqs = createSqsClient({ region, instrument: observability.instrumentAws });
    const consumer = startSqsConsumer({
      sqs,
      queueUrl,
      deadLetterQueueUrl: settings.deadLetterQueueUrl,
      maxReceives: settings.maxReceives,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      handle: (bodies) => handleDriftMessages(deps, bodies),
      log,
      metrics: observability.drift,
    });
    core.onClose(async () => {
      await consumer.close();
      sqs.destroy();
    });
  }
}
