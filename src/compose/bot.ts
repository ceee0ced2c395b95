import { type auditSinkTargets, startAuditSinks } from '../adapters/audit-sink/index.js';
import { startAnchorSchedule } from '../adapters/queue/anchor-schedule.js';
import { type AnchorFile, createAnchorFile } from '../adapters/redis/anchor-file.js';
import { StartStopped } from '../adapters/slack/identity.js';
import type { SlackTaskQueue } from '../adapters/slack/task-queue.js';
import type { SlackConfig } from '../config/slack-env.js';
import type { Workflow } from '../config/workflow-schema.js';
import type { ScanOutcome } from '../domain/findings/scan.js';
import type { Core } from './core.js';
import { securityPoster, startSlack } from './slack.js';

/**
 * `worker` and `serve`, as the composition root (src/main.ts) starts them: scan workers and schedule,
 * the Slack side when configured, drift, audit anchoring and sinks.
 */

export const anchorFileOf = (workflow: Workflow): AnchorFile | null =>
  workflow.audit.anchorFile ? createAnchorFile(workflow.audit.anchorFile) : null;

/** After each scan: rejected IMDSv1 calls are alerted, regressions go to their owners at once. */
export const afterScan = (tasks: SlackTaskQueue) => async (o: ScanOutcome) => {
  if (o.rejections.length > 0) await tasks.add({ kind: 'rejections', items: o.rejections });
  if (o.diff.regressed > 0)
    await tasks.add({ kind: 'digest', trigger: { kind: 'scan', by: o.scanId }, onlyRegressions: true });
};

/** `worker` / `serve`; null when `signal` stopped the start-up while Slack was being reached. */
export async function startBot(
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
  // SQS (its SDK client too) is loaded only by a process that consumes the drift feed
  if (core.workflow.drift)
    (await import('./drift.js')).startDrift(core, core.workflow.drift, slack?.tasks ?? null);
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
