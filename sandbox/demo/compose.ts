import type { Logger } from '../../src/adapters/log.js';
import type { SlackRuntime } from '../../src/compose/slack.js';
import type { Workflow } from '../../src/config/workflow-schema.js';
import { type App, createApp } from '../../src/main.js';
import type { Fleet } from '../aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../aws/server.js';
import { freePort } from '../redis-server.js';
import { type FakeSlack, type StartFakeSlackOptions, startFakeSlack } from '../slack/index.js';
import { commandFromManifest } from '../slack/manifest-command.js';
import { SandboxClock } from './clock.js';
import { sandboxControls } from './controls.js';
import { repoFile } from './repo-file.js';

export interface SandboxBotOptions {
  /** the emulator's organization; null: the bot scans real AWS with the credentials it was given */
  fleet: Fleet | null;
  /** the workflow; absent: WORKFLOW_FILE from `env` (real AWS) */
  workflow?: Workflow;
  slack: StartFakeSlackOptions;
  /** demo users → their role, in the switcher's order */
  roles: Record<string, string>;
  /** the bot's environment (REDIS_URL, IMDS_BOT_PREFIX, …); the Slack and AWS parts are set here */
  env: Record<string, string>;
  log: Logger;
  /** how the sandbox reaches the bot: signed HTTP requests (default) or Socket Mode */
  mode?: 'http' | 'socket';
}

export interface SandboxBot {
  /** null when the bot scans real AWS */
  emulator: AwsEmulator | null;
  slack: FakeSlack;
  app: App;
  runtime: SlackRuntime;
  clock: SandboxClock;
  /** the page: http://127.0.0.1:<port>/ */
  url: string;
  close(): Promise<void>;
}

/**
 * The whole bot against the stand-ins: the AWS emulator (real SDK clients over HTTP), the fake
 * Slack with its sandbox page (the bot's WebClient with SLACK_API_URL at it), real Redis, the
 * real Bolt app behind its HTTP receiver (or Socket Mode), the same workers and queues as `serve`.
 */
export async function startSandboxBot(opts: SandboxBotOptions): Promise<SandboxBot> {
  // the bot's clock moves ahead on demand; the emulator keeps AWS time (credentials it issued stay valid)
  const clock = new SandboxClock();
  const emulator = opts.fleet ? await startEmulator(opts.fleet) : null;
  const slack = await startFakeSlack({ now: () => clock.now().getTime(), ...opts.slack });
  const mode = opts.mode ?? 'http';
  const port = await freePort();
  const env = {
    ...opts.env,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.url,
    SLACK_TEAM_ID: slack.teamId,
    PORT: String(port),
    ...(mode === 'socket' ? { SLACK_APP_TOKEN: slack.appToken } : {}),
  };
  const app = await createApp({ env, ...(opts.workflow ? { workflow: opts.workflow } : {}), log: opts.log });
  const runtime = await app.startSlack({ now: clock.now });
  // as `serve`: after a scan, rejections and regressions go to Slack at once
  app.startWorkers(app.workflow.scan.concurrency, app.afterScan(runtime.tasks));
  slack.sandbox.connectApp(
    mode === 'http' ? { kind: 'http', url: `http://127.0.0.1:${port}/slack/events` } : { kind: 'socket' },
  );
  slack.sandbox.setDemoUsers(opts.roles);
  slack.sandbox.setCommand(await commandFromManifest(repoFile('deploy/slack/manifest.yaml')));
  slack.sandbox.setControls(sandboxControls({ app, slack: runtime, fleet: opts.fleet, clock }));
  return {
    emulator,
    slack,
    app,
    runtime,
    clock,
    url: slack.sandbox.url,
    async close() {
      await app.close();
      await slack.close();
      await emulator?.close();
    },
  };
}

/** The AWS emulator; the SDK reads its endpoint and credentials from the environment, as in production. */
export async function startEmulator(fleet: Fleet): Promise<AwsEmulator> {
  const emulator = await startAwsEmulator({ fleet, throttle: false, metadataApplyDelayMs: 0 });
  process.env.AWS_ENDPOINT_URL = emulator.url;
  process.env.AWS_ACCESS_KEY_ID = 'SANDBOXKEY-HUBSANDBOX01';
  process.env.AWS_SECRET_ACCESS_KEY = 'sandbox-secret';
  process.env.AWS_REGION ??= 'us-east-1';
  return emulator;
}
