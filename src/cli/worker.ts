import type { App } from '../main.js';
import { startMetricsEndpoint } from './metrics.js';

/** Runs until SIGTERM/SIGINT. `serve` adds the Bolt app; both post regressions at once after a scan. */
export async function worker(app: App, err: NodeJS.WritableStream, listen: boolean): Promise<number> {
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
  const bot = await app.startBot({ listen, signal: stop.signal });
  if (!bot) {
    err.write('Stopping: stopped before the Slack API answered.\n');
    return 0;
  }
  const metricsPort = await startMetricsEndpoint(app);
  const what = listen
    ? `imds-bot serve (Slack ${bot.slackMode} mode)`
    : `imds-bot worker${bot.slack ? ' (with Slack workers)' : ''}`;
  err.write(
    `${what} running (workflow "${app.workflow.name}", concurrency ${app.workflow.scan.concurrency}, metrics on :${metricsPort}); SIGTERM stops it.\n`,
  );
  await stopped;
  err.write('Stopping: finishing jobs in progress…\n');
  return 0;
}
