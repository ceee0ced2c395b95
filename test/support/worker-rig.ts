import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { silentLogger } from '../../src/adapters/log.js';
import type { AuditStore } from '../../src/adapters/redis/audit.js';
import type { SlackTaskQueue } from '../../src/adapters/slack/task-queue.js';
import type { ChangeContext } from '../../src/app/change/context.js';
import { type App, createApp } from '../../src/main.js';
import { testEnv } from './harness.js';
import { ACCOUNT, C, slackFleet, slackSeed, slackWorkflow, U } from './slack-fixtures.js';

/**
 * The bot split in two: this process files requests and queues Slack tasks, but runs no worker;
 * `imds-bot worker` child processes take the tasks, change production, and can be killed -9.
 */
export interface WorkerRig {
  emulator: AwsEmulator;
  slack: FakeSlack;
  app: App;
  /** change control without workers: this process runs no task or change worker */
  ctx: ChangeContext;
  /** the audit trail change control writes, with its readers */
  audit: AuditStore;
  /** the Slack task queues the worker processes take approvals from */
  tasks: SlackTaskQueue;
  env: Record<string, string>;
  built: ReturnType<typeof slackFleet>;
  /** `imds-bot worker` (with Slack workers); `redisUrl` points it elsewhere (e.g. a cutting proxy) */
  startWorker(redisUrl?: string): ChildProcess;
  kill(child: ChildProcess): Promise<void>;
  close(): Promise<void>;
}

export async function startWorkerRig(opts: { latencyMs?: number } = {}): Promise<WorkerRig> {
  const built = slackFleet();
  const emulator = await startAwsEmulator({
    fleet: built.fleet,
    throttle: false,
    latencyMs: opts.latencyMs ?? 0,
    metadataApplyDelayMs: 0,
  });
  const slack = await startFakeSlack(slackSeed());
  const file = join(mkdtempSync(join(tmpdir(), 'imds-rig-')), 'workflow.yaml');
  const wf = slackWorkflow();
  writeFileSync(
    file,
    stringify({
      version: 1,
      name: wf.name,
      scope: {
        accounts: [{ id: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner` }],
        regions: wf.scope.regions,
      },
      slack: { securityChannel: C.security },
      approvals: { approvers: { users: [U.approver, U.approver2] }, security: { groups: ['S0SEC0001'] } },
    }),
  );
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...testEnv(),
    LOG_LEVEL: 'silent',
    WORKFLOW_FILE: file,
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'TESTKEY-HUBTESTKEY000001',
    AWS_SECRET_ACCESS_KEY: 'hub-secret',
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.url,
  };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
  });
  const app = await createApp({ env, log: silentLogger() });
  // requests are filed and approved here; only the worker processes take tasks and change production
  const { ctx, tasks } = await app.startSlack({ listen: false, workers: false });
  app.startWorkers(2);
  const { scanId } = await app.requestScan({ kind: 'cli', by: 'test' });
  await app.waitForScan(scanId);
  const children: ChildProcess[] = [];
  const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
  return {
    emulator,
    slack,
    app,
    ctx: ctx.change,
    audit: ctx.audit,
    tasks,
    env,
    built,
    startWorker(redisUrl) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'worker'], {
        env: redisUrl ? { ...env, REDIS_URL: redisUrl } : env,
        stdio: 'ignore',
      });
      children.push(child);
      return child;
    },
    async kill(child) {
      if (!alive(child)) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
    async close() {
      for (const c of children) if (alive(c)) c.kill('SIGKILL');
      await app.close();
      await slack.close();
      await emulator.close();
    },
  };
}
