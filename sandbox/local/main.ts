/**
 * Local mode (`npm start`): the whole bot on this machine, no Slack workspace and no AWS account.
 * Embedded Redis on a free loopback port, the AWS emulator with a demo organization, the real bot
 * (same Bolt app, workers and queues as `serve`, over its HTTP receiver) and the Slack sandbox page.
 * Configuration that is present is used (see plan.ts): real AWS with the sandbox Slack, or your
 * workspace with the emulator; both real is refused (that is `serve`), as is a second local mode.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/adapters/log.js';
import { loadWorkflow } from '../../src/config/workflow.js';
import type { Workflow } from '../../src/config/workflow-schema.js';
import { createApp } from '../../src/main.js';
import { type SandboxBot, startEmulator, startSandboxBot } from '../demo/compose.js';
import { startRedisServer } from '../redis-server.js';
import { DEMO, demoFleet, demoRoles, demoSlackSeed, demoWorkflow } from './demo-org.js';
import { planLocal } from './plan.js';

/** IMDS_BOT_LOCAL_LOCK: another place for the lock (the tests, beside a developer's own local mode) */
const LOCK = process.env.IMDS_BOT_LOCAL_LOCK ?? join(tmpdir(), 'imds-bot-local.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The running local mode's lock, when its process is still alive. */
function runningElsewhere(): { pid: number; url: string } | null {
  if (!existsSync(LOCK)) return null;
  try {
    const lock = JSON.parse(readFileSync(LOCK, 'utf8')) as { pid: number; url: string };
    return alive(lock.pid) ? lock : null;
  } catch {
    return null;
  }
}

/** The one banner: which parts are real, what runs where, how long start-up took, how to stop. */
function banner(why: string[], rows: string[], footer: string[] = []): string {
  return [
    '',
    'imds-bot local mode: the whole bot on this machine',
    ...why.map((w) => `  ${w}`),
    '',
    ...rows.map((r) => `  ${r}`),
    `  Ready in ${process.uptime().toFixed(1)} s (first scan done, digests posted).  Ctrl-C stops everything.`,
    '',
    ...footer.map((f) => `  ${f}`),
    ...(footer.length ? [''] : []),
  ].join('\n');
}

function sandboxRows(bot: SandboxBot, redisUrl: string): string[] {
  return [
    `Slack sandbox (open it)  ${bot.url}`,
    `fake Slack Web API       ${bot.slack.url}   (the bot's SLACK_API_URL)`,
    bot.emulator
      ? `AWS emulator             ${bot.emulator.url}   (the SDK's AWS_ENDPOINT_URL)`
      : 'AWS                      real: your credentials, the accounts of WORKFLOW_FILE',
    `Redis (embedded)         ${redisUrl}`,
    'the bot                  Bolt HTTP receiver, scan + Slack workers, digest and sweeper schedules',
    '',
    bot.emulator
      ? `Demo organization: ${Object.keys(DEMO.accounts).length} accounts, ${bot.app.workflow.scope.regions.length} regions; act as an owner, the security engineer or an approver.`
      : 'Owners of real instances are not sandbox users: their digests go to the security channel.',
  ];
}

const GO_LIVE = [
  'Real Slack: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN), then `imds-bot serve`.',
  'Real AWS: give the process AWS credentials and a workflow file (WORKFLOW_FILE); see the README.',
];

async function main(): Promise<number> {
  const plan = planLocal(process.env);
  if (plan.kind === 'refuse') {
    process.stderr.write(`imds-bot: ${plan.message}\n`);
    return 2;
  }
  const other = runningElsewhere();
  if (other) {
    process.stderr.write(`imds-bot: local mode already runs (pid ${other.pid}): ${other.url}\n`);
    return 1;
  }
  const redis = await startRedisServer();
  const env = {
    REDIS_URL: redis.url,
    IMDS_BOT_PREFIX: 'local',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    LOG_LEVEL: 'warn',
  };
  if (plan.slack === 'real') return realSlack(env, plan.why, () => redis.stop());
  const demo = plan.aws === 'emulator' ? demoFleet() : null;
  const bot = await startSandboxBot({
    fleet: demo?.fleet ?? null,
    ...(demo ? { workflow: demoWorkflow() } : {}),
    slack: demoSlackSeed(),
    roles: demoRoles(),
    env: { ...env, ...(demo ? {} : { WORKFLOW_FILE: String(process.env.WORKFLOW_FILE) }) },
    log: createLogger('warn'),
  });
  writeFileSync(LOCK, JSON.stringify({ pid: process.pid, url: bot.url }));
  onStop(async () => {
    rmSync(LOCK, { force: true });
    await bot.close();
    await redis.stop();
  });
  const { scanId } = await bot.app.requestScan({ kind: 'cli', by: 'local-mode' });
  await bot.app.waitForScan(scanId);
  await bot.runtime.tasks.add({
    kind: 'digest',
    trigger: { kind: 'schedule', by: null },
    onlyRegressions: false,
  });
  if (demo) {
    const dm = bot.slack.state.dmIdFor(DEMO.users.alice);
    while (bot.slack.messagesIn(dm).length === 0) await new Promise((r) => setTimeout(r, 50));
    demo.regress(); // platform-cache loses IMDSv2 before the next scan: the clock's "Next scheduled scan" shows it
  }
  process.stdout.write(banner(plan.why, sandboxRows(bot, redis.url), GO_LIVE));
  return new Promise<number>(() => undefined); // runs until Ctrl-C
}

function onStop(close: () => Promise<void>): void {
  const stop = async () => {
    process.stderr.write('\nStopping local mode…\n');
    await close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/**
 * Your Slack workspace with the demo organization in the emulator: the bot as `serve` runs it
 * (Bolt on PORT, or Socket Mode with SLACK_APP_TOKEN). Channels and people come from WORKFLOW_FILE's
 * `slack` and `approvals` blocks; the scope is the demo organization's.
 */
async function realSlack(env: Record<string, string>, why: string[], stopRedis: () => Promise<void>) {
  const file = await loadWorkflow(String(process.env.WORKFLOW_FILE));
  const workflow: Workflow = { ...demoWorkflow(), slack: file.slack, approvals: file.approvals };
  const { fleet } = demoFleet();
  const emulator = await startEmulator(fleet);
  const pass = (name: string) => (process.env[name] ? { [name]: String(process.env[name]) } : {});
  const app = await createApp({
    env: {
      ...env,
      ...pass('SLACK_BOT_TOKEN'),
      ...pass('SLACK_SIGNING_SECRET'),
      ...pass('SLACK_APP_TOKEN'),
      ...pass('SLACK_API_URL'),
      ...pass('SLACK_TEAM_ID'),
      ...pass('PORT'),
    },
    workflow,
    log: createLogger('warn'),
  });
  const stopped = new AbortController();
  onStop(async () => {
    stopped.abort();
    rmSync(LOCK, { force: true });
    await app.close();
    await emulator.close();
    await stopRedis();
  });
  const bot = await app.startBot({ listen: true, signal: stopped.signal });
  if (!bot?.slack) return 1;
  writeFileSync(LOCK, JSON.stringify({ pid: process.pid, url: 'your Slack workspace' }));
  const { scanId } = await app.requestScan({ kind: 'cli', by: 'local-mode' });
  await app.waitForScan(scanId);
  await bot.slack.tasks.add({
    kind: 'digest',
    trigger: { kind: 'schedule', by: null },
    onlyRegressions: false,
  });
  process.stdout.write(
    banner(why, [
      `Slack                    your workspace (${bot.slackMode} mode); digests go to the channels of ${process.env.WORKFLOW_FILE}`,
      `AWS emulator             ${emulator.url}   (the SDK's AWS_ENDPOINT_URL)`,
      `Redis (embedded)         ${env.REDIS_URL}`,
    ]),
  );
  return new Promise<number>(() => undefined);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    rmSync(LOCK, { force: true });
    process.stderr.write(
      `imds-bot local mode failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
