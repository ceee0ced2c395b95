/**
 * Local mode (`npm start`): the whole bot on this machine, no Slack workspace and no AWS account.
 * Embedded Redis on a free loopback port, the AWS emulator with a demo organization, the real bot
 * (same Bolt app, workers and queues as `serve`, over its HTTP receiver) and the Slack sandbox page.
 * Refuses to start when real Slack or AWS credentials are set, and when another local mode runs.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/adapters/log.js';
import { type SandboxBot, startSandboxBot } from '../demo/compose.js';
import { startRedisServer } from '../redis-server.js';
import { DEMO, demoFleet, demoRoles, demoSlackSeed, demoWorkflow } from './demo-org.js';

const LOCK = join(tmpdir(), 'imds-bot-local.json');
const REAL_CONFIG = [
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
];

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

function banner(bot: SandboxBot, redisUrl: string, seconds: number): string {
  return [
    '',
    'imds-bot local mode: the whole bot on this machine, no Slack workspace, no AWS account',
    '',
    `  Slack sandbox (open it)  ${bot.url}`,
    `  fake Slack Web API       ${bot.slack.url}   (the bot's SLACK_API_URL)`,
    `  AWS emulator             ${bot.emulator.url}   (the SDK's AWS_ENDPOINT_URL)`,
    `  Redis (embedded)         ${redisUrl}`,
    `  the bot                  Bolt HTTP receiver, scan + Slack workers, digest and sweeper schedules`,
    '',
    `  Demo organization: ${Object.keys(DEMO.accounts).length} accounts, ${bot.app.workflow.scope.regions.length} regions; act as an owner, the security engineer or an approver.`,
    `  Ready in ${seconds.toFixed(1)} s (first scan done, digests posted).  Ctrl-C stops everything.`,
    '',
    '  Real Slack: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN), then `imds-bot serve`.',
    '  Real AWS: give the process AWS credentials and a workflow file (WORKFLOW_FILE); see the README.',
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const real = REAL_CONFIG.filter((name) => process.env[name]);
  if (real.length > 0) {
    process.stderr.write(
      `imds-bot: ${real.join(', ')} ${real.length === 1 ? 'is' : 'are'} set: not starting local mode with real credentials around.\n` +
        'Run `npx tsx src/cli/index.ts serve` for the real bot, or unset them for local mode.\n',
    );
    return 2;
  }
  const other = runningElsewhere();
  if (other) {
    process.stderr.write(`imds-bot: local mode already runs (pid ${other.pid}): ${other.url}\n`);
    return 1;
  }
  const redis = await startRedisServer();
  const { fleet, regress } = demoFleet();
  const bot = await startSandboxBot({
    fleet,
    workflow: demoWorkflow(),
    slack: demoSlackSeed(),
    roles: demoRoles(),
    env: { REDIS_URL: redis.url, IMDS_BOT_PREFIX: 'local', AWS_REGION: 'us-east-1', LOG_LEVEL: 'warn' },
    log: createLogger('warn'),
  });
  writeFileSync(LOCK, JSON.stringify({ pid: process.pid, url: bot.url }));
  const stop = async () => {
    process.stderr.write('\nStopping local mode…\n');
    rmSync(LOCK, { force: true });
    await bot.close();
    await redis.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  const { scanId } = await bot.app.requestScan({ kind: 'cli', by: 'local-mode' });
  await bot.app.waitForScan(scanId);
  await bot.runtime.tasks.add({
    kind: 'digest',
    trigger: { kind: 'schedule', by: null },
    onlyRegressions: false,
  });
  const dm = bot.slack.state.dmIdFor(DEMO.users.alice);
  while (bot.slack.messagesIn(dm).length === 0) await new Promise((r) => setTimeout(r, 50));
  regress(); // platform-cache loses IMDSv2 before the next scan: the clock's "Next scheduled scan" shows it
  process.stdout.write(banner(bot, redis.url, process.uptime()));
  return new Promise<number>(() => undefined); // runs until Ctrl-C
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
