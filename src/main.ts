import { auditSinkTargets } from './adapters/audit-sink/index.js';
import { createLogger, type Logger } from './adapters/log.js';
import { afterScan, anchorFileOf, startBot } from './compose/bot.js';
import { buildCore } from './compose/core.js';
import { metricsSources } from './compose/metrics.js';
import { type SlackOptions, securityPoster, startSlack } from './compose/slack.js';
import { loadConfig } from './config/env.js';
import { loadSlackConfig } from './config/slack-env.js';
import { loadWorkflow } from './config/workflow.js';
import type { Workflow } from './config/workflow-schema.js';
import { approvalDeadEnds } from './domain/change/approval-dead-ends.js';

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
