import { startAnchorSchedule } from '../adapters/queue/anchor-schedule.js';
import { createAuditStore } from '../adapters/redis/audit.js';
import { StartStopped, startSlack } from '../adapters/slack/runtime.js';
import { loadSlackConfig } from '../config/slack-env.js';
import type { App } from '../main.js';
import { anchorFileOf, securityPoster } from './audit.js';
import { startMetricsEndpoint } from './metrics.js';

/** Runs until SIGTERM/SIGINT. `serve` adds the Bolt app; both post regressions at once after a scan. */
export async function worker(app: App, err: NodeJS.WritableStream, listen: boolean): Promise<number> {
  const slackEnv = process.env.SLACK_BOT_TOKEN ? loadSlackConfig(process.env) : null;
  if (listen && !slackEnv) loadSlackConfig(process.env); // throws the list of what is missing
  // listening from the start: a SIGTERM while Slack is still being reached stops start-up too
  const stop = new AbortController();
  const stopped = new Promise<void>((resolve) => {
    const onSignal = () => {
      stop.abort();
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  const slack = slackEnv
    ? await startSlack(app, slackEnv, { listen, signal: stop.signal }).catch((e: unknown) => {
        if (e instanceof StartStopped) return null;
        throw e;
      })
    : null;
  if (stop.signal.aborted) {
    err.write('Stopping: stopped before the Slack API answered.\n');
    return 0;
  }
  app.startWorkers(app.workflow.scan.concurrency, async (o) => {
    if (slack && o.rejections.length > 0) await slack.tasks.add({ kind: 'rejections', items: o.rejections });
    if (slack && o.diff.regressed > 0) {
      await slack.tasks.add({
        kind: 'digest',
        trigger: { kind: 'scan', by: o.scanId },
        onlyRegressions: true,
      });
    }
  });
  await app.startScheduler();
  const file = anchorFileOf(app);
  const post = slack ? securityPoster(app) : null;
  if (file || post) {
    const audit = createAuditStore({ redis: app.redis, prefix: app.config.prefix });
    const anchors = await startAnchorSchedule({
      ...app.queueDeps,
      schedule: app.workflow.schedules.anchor,
      anchor: { audit, file, post, now: () => new Date() },
      log: app.log,
    });
    app.onClose(() => anchors.close());
  }
  const metricsPort = await startMetricsEndpoint(app);
  const what = listen
    ? `imds-bot serve (Slack ${slackEnv?.mode} mode)`
    : `imds-bot worker${slack ? ' (with Slack workers)' : ''}`;
  err.write(
    `${what} running (workflow "${app.workflow.name}", concurrency ${app.workflow.scan.concurrency}, metrics on :${metricsPort}); SIGTERM stops it.\n`,
  );
  await stopped;
  err.write('Stopping: finishing jobs in progress…\n');
  return 0;
}
