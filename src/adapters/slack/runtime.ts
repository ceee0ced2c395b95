import { Queue } from 'bullmq';
import { expireDue } from '../../app/change/decide.js';
import { resumeStuck } from '../../app/change/resume.js';
import { startChangeControl } from '../../app/change/wire.js';
import type { SlackConfig } from '../../config/slack-env.js';
import { CodedError } from '../../domain/errors.js';
import type { App as ScanApp } from '../../main.js';
import type { QueueDeps } from '../queue/scan-queues.js';
import { makeWorker } from '../queue/worker.js';
import { createAckStore } from '../redis/acks.js';
import { createAuditStore } from '../redis/audit.js';
import { createCardStore } from '../redis/cards.js';
import { createSnoozeStore } from '../redis/snoozes.js';
import { createAccess } from './access.js';
import { createBoltApp } from './app.js';
import { createDirectory } from './directory.js';
import { verifyBotToken } from './identity.js';
import { registerListeners } from './listeners.js';
import { onlyOnce } from './once.js';
import { createSlackOutQueue, startSlackOutWorker } from './out.js';
import { createSlackTaskQueue, startSlackTaskWorker } from './task-queue.js';
import type { TaskContext } from './tasks/context.js';
import { precheckDecision } from './tasks/gate.js';
import { handleTask } from './tasks/handle.js';
import { wakeSnoozes } from './tasks/sweeper.js';
import { servedOnly } from './team-guard.js';
import { createSlackClient, responseOrigins } from './web.js';

export interface SlackRuntimeOptions {
  /** run the Bolt app (serve); workers alone need only the queues */
  listen?: boolean;
  /** run the worker that changes production in this process (default true) */
  changeWorker?: boolean;
  now?: () => Date;
  /** stops a start-up that waits for an unreachable Slack API (SIGTERM) */
  signal?: AbortSignal;
}

/** Start-up was stopped (SIGTERM) before Slack answered. */
export class StartStopped extends CodedError {
  constructor() {
    super('start-stopped', 'stopped before the Slack API answered');
  }
}

/**
 * The Slack side of the bot, composed from the scan app: queues, workers, the digest schedule,
 * the snooze sweeper and (for `serve`) the Bolt app. Everything is closed by the scan app's close().
 */
export async function startSlack(app: ScanApp, config: SlackConfig, opts: SlackRuntimeOptions = {}) {
  const { redis, log, workflow } = app;
  const prefix = app.config.prefix;
  const client = createSlackClient(config.botToken, config.apiUrl, app.observability.slackFetch());
  const identity = await verifyBotToken(client, {
    expectedTeamId: config.teamId,
    log,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!identity) throw new StartStopped();
  const tasks = createSlackTaskQueue(app.queueDeps);
  const out = createSlackOutQueue(app.queueDeps);
  const cards = createCardStore({ redis, prefix });
  const audit = createAuditStore({ redis, prefix });
  const directory = createDirectory({ client, redis, prefix, settings: workflow.slack });
  const access = createAccess({ client, redis, prefix, approvals: workflow.approvals });
  const now = opts.now ?? (() => new Date());
  const change = startChangeControl(
    app,
    { audit, cards, directory, access, out, client, now },
    { worker: opts.changeWorker !== false },
  );
  const ctx: TaskContext = {
    app,
    workflow,
    client,
    redis,
    prefix,
    directory,
    access,
    out,
    snoozes: createSnoozeStore({ redis, prefix }),
    acks: createAckStore({ redis, prefix }),
    audit,
    cards,
    change,
    log,
    now,
  };
  const taskWorker = startSlackTaskWorker({ ...app.queueDeps, handle: (task) => handleTask(ctx, task), log });
  const outWorker = startSlackOutWorker({
    ...app.queueDeps,
    client,
    cards,
    redis,
    responseOrigins: responseOrigins(config.apiUrl),
    log,
  });
  const sweeper = await startSweeper(ctx, app.queueDeps);
  await scheduleDigests(tasks.queue, workflow.schedules.digest);
  app.onClose(async () => {
    await Promise.all([taskWorker.close(), outWorker.close(), sweeper.close()]);
    await Promise.all([tasks.close(), out.close()]);
  });
  let bolt: ReturnType<typeof createBoltApp> | null = null;
  if (opts.listen !== false) {
    bolt = createBoltApp(config, log, identity, app.observability.slackFetch());
    bolt.use(servedOnly(identity, { audit, now, log }));
    bolt.use(onlyOnce({ redis, prefix, log }));
    registerListeners(bolt, {
      tasks,
      workflow,
      log,
      requests: ctx.change.requests,
      findings: app.store,
      out,
      precheck: (attempt) => precheckDecision(ctx, attempt),
      forgetGroup: (group) => access.forgetGroup(group),
    });
    await bolt.start(config.port);
    app.onClose(async () => {
      await bolt?.stop();
    });
    log.info({ mode: config.mode, port: config.mode === 'http' ? config.port : null }, 'slack app listening');
  }
  return { ctx, tasks, out, bolt, identity };
}

async function scheduleDigests(queue: Queue, schedule: { cron: string; timezone: string } | undefined) {
  const id = 'digest';
  if (!schedule) {
    await queue.removeJobScheduler(id);
    return;
  }
  await queue.upsertJobScheduler(
    id,
    { pattern: schedule.cron, tz: schedule.timezone },
    {
      name: 'digest',
      data: { kind: 'digest', trigger: { kind: 'schedule', by: null }, onlyRegressions: false },
    },
  );
}

/**
 * Every minute: snoozes that ended go back to their owners (once each); undecided requests expire;
 * approved or applying requests without a live job are resumed (see resumeStuck).
 */
async function startSweeper(ctx: TaskContext, { connect, prefix, onError }: QueueDeps) {
  const name = 'sweeper';
  const queue = new Queue(name, { prefix: `${prefix}:bull`, connection: connect('sweeper-queue') });
  await queue.upsertJobScheduler('snoozes', { every: 60_000 }, { name: 'snoozes', data: {} });
  queue.on('error', onError);
  const worker = makeWorker(
    { connect, prefix, onError },
    name,
    async () => ({
      woken: await wakeSnoozes(ctx),
      expired: await expireDue(ctx.change),
      resumed: await resumeStuck(ctx.change),
    }),
    { connection: 'sweeper-worker' },
  );
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
