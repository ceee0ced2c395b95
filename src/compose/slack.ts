import { scheduleDigests, startSweeper } from '../adapters/queue/schedules.js';
import type { SlackDeliveryStore } from '../adapters/redis/slack-delivery.js';
import { createAccess } from '../adapters/slack/access.js';
import type { BoltDeps } from '../adapters/slack/app.js';
import { createDirectory } from '../adapters/slack/directory.js';
import { StartStopped, verifyBotToken } from '../adapters/slack/identity.js';
import { createSlackOutQueue, startSlackOutWorker } from '../adapters/slack/out.js';
import {
  createSlackTaskQueue,
  type SlackTaskQueue,
  startSlackTaskWorker,
} from '../adapters/slack/task-queue.js';
import { precheckDecision } from '../adapters/slack/tasks/changes.js';
import type { TaskContext } from '../adapters/slack/tasks/context.js';
import { handleTask } from '../adapters/slack/tasks/handle.js';
import { wakeSnoozes } from '../adapters/slack/tasks/sweeper.js';
import { createSlackClient, responseOrigins } from '../adapters/slack/web.js';
import { expireDue } from '../app/change/decide.js';
import { resumeStuck } from '../app/change/resume.js';
import type { SlackConfig } from '../config/slack-env.js';
import type { Workflow } from '../config/workflow-schema.js';
import { startChangeControl } from './change-control.js';
import type { Core } from './core.js';

/**
 * The Slack side of the composition root (src/main.ts): Slack client, queues, change control, task and
 * delivery workers, the sweeper, the digest schedule and the Bolt app.
 */

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

export function securityPoster(
  slack: SlackConfig,
  workflow: Workflow,
): ((text: string) => Promise<void>) | null {
  const channel = workflow.slack.securityChannel;
  if (!channel) return null;
  const client = createSlackClient(slack.botToken, slack.apiUrl);
  return async (text) => {
    await client.chat.postMessage({ channel, text });
  };
}

/** The Slack side: queues, change control, this process's workers, the digest schedule, Bolt. */
export async function startSlack(core: Core, config: SlackConfig, opts: SlackOptions) {
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
        await (await import('../adapters/slack/app.js')).startBolt(
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
