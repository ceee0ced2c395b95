/**
 * npm run bench:faults [-- --instances 200 --fault-rate 0.1 --limit-s 300]
 *
 * Issue 9's fault probe: `--instances` ready instances of one owner, filed as ONE bulk request and
 * approved once, enforced by two `imds-bot worker` child processes while this process kills -9
 * a worker, then Redis (AOF on, appendfsync always; restarted on the same port and data dir), then
 * a worker, then Redis again, at 15 / 35 / 55 / 75 % of the bulk. The AWS emulator answers
 * `--fault-rate` of all calls with HTTP 500 InternalError and meters ModifyInstanceMetadataOptions
 * with a bucket tighter than our limiter (as when other tools share the account), so it throttles.
 * Prints what it measured: instances changed once / twice / not at all (the emulator counts the
 * calls that turned HttpTokens to required), `applied` audit entries against changes, requests not
 * terminal, and `imds-bot audit verify`. Target: n / 0 / 0, entries = changes, 0 stuck, verified.
 * Asserts nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { type RedisServer, startRedisServer } from '../../sandbox/redis-server.js';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { createLogger } from '../../src/adapters/log.js';
import { approve } from '../../src/app/change/decide.js';
import { requestBulk } from '../../src/app/change/request.js';
import { AuditEntry } from '../../src/domain/change/audit-chain.js';
import type { ChangeState } from '../../src/domain/change/request-schema.js';
import { type App, createApp } from '../../src/main.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '200' },
    'fault-rate': { type: 'string', default: '0.1' },
    'limit-s': { type: 'string', default: '300' },
  },
});
const N = Number(values.instances);
const ACCOUNT = '454545454545';
const REGION = 'eu-west-1';
const CHANNEL = 'C0SEC0001';
const USERS = { owner: 'U0OWNER01', sec: 'U0SEC0001', approver: 'U0APPR001' };
const MODIFY = 'ec2:ModifyInstanceMetadataOptions';
/** tighter than our limiter's 80 burst, 4/s: EC2 throttles some of our calls */
const EC2_MODIFY_BUCKET = { burst: 40, refillPerSecond: 3 };
const NOT_TERMINAL: ChangeState[] = ['requested', 'approved', 'applying'];
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function benchFleet(): Fleet {
  const fleet = new Fleet({ seed: 9 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const launchTime = new Date(Date.now() - 40 * 86_400_000);
  for (let i = 0; i < N; i++)
    fleet.addInstance({
      accountId: ACCOUNT,
      region: REGION,
      launchTime,
      tags: { Name: `web-${i}`, Owner: 'owner@example.com' },
    });
  return fleet;
}

function workflowFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'imds-bench-faults-')), 'workflow.yaml');
  const workflow = {
    version: 1,
    name: 'bench-faults',
    scope: {
      accounts: [{ id: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner` }],
      regions: [REGION],
    },
    slack: { securityChannel: CHANNEL },
    approvals: { approvers: { users: [USERS.approver] }, security: { users: [USERS.sec] } },
  };
  writeFileSync(file, stringify(workflow));
  return file;
}

function benchEnv(redis: RedisServer, emulator: AwsEmulator, slack: FakeSlack): Record<string, string> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    REDIS_URL: redis.url,
    IMDS_BOT_PREFIX: 'bench',
    LOG_LEVEL: 'silent',
    METRICS_PORT: '0',
    WORKFLOW_FILE: workflowFile(),
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'TESTKEY-HUBTESTKEY000001',
    AWS_SECRET_ACCESS_KEY: 'hub-secret',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.url,
  };
  delete env.AWS_PROFILE;
  Object.assign(process.env, env);
  delete process.env.AWS_PROFILE;
  return env;
}

/** `imds-bot worker` processes; one that exits on its own is counted and started again. */
function workerPool(env: Record<string, string>) {
  const live = new Set<ChildProcess>();
  let unexpectedExits = 0;
  const start = (): void => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'worker'], {
      env,
      stdio: 'ignore',
    });
    live.add(child);
    child.once('exit', (code, signal) => {
      if (!live.delete(child)) return;
      unexpectedExits++;
      log(`  a worker exited on its own (code ${code}, signal ${signal}): starting another`);
      start();
    });
  };
  return {
    start,
    /** SIGKILL one worker, then start its replacement */
    async killOne(): Promise<void> {
      const [child] = live;
      if (!child) return;
      live.delete(child);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      start();
    },
    unexpectedExits: () => unexpectedExits,
    stopAll(): void {
      for (const c of [...live]) {
        live.delete(c);
        c.kill('SIGKILL');
      }
    },
  };
}
type Pool = ReturnType<typeof workerPool>;

async function startBot(env: Record<string, string>) {
  const app: App = await createApp({ env, log: createLogger('silent') });
  // this process files and approves; only the worker processes change production
  const runtime = await app.startSlack({ listen: false, changeWorker: false });
  app.startWorkers(2);
  return { app, ctx: runtime.ctx.change, audit: runtime.ctx.audit };
}
type Bot = Awaited<ReturnType<typeof startBot>>;

async function fileAndApprove(bot: Bot): Promise<string> {
  const { scanId } = await bot.app.requestScan({ kind: 'cli', by: 'bench' });
  await bot.app.waitForScan(scanId);
  const findings = (await bot.app.store.getSnapshot({ accountId: ACCOUNT, region: REGION }))?.findings ?? [];
  log(`scan: ${findings.length} findings`);
  const filed = await requestBulk(
    bot.ctx,
    findings,
    { accountId: ACCOUNT, owner: USERS.owner },
    { userId: USERS.sec, name: 'sec' },
    [],
    { channelId: CHANNEL },
  );
  if (!filed.ok) throw new Error(`bulk request refused: ${filed.reason}`);
  const decided = await approve(bot.ctx, filed.request.id, { userId: USERS.approver, name: 'approver' }, []);
  if (!decided.ok) throw new Error(`approval refused: ${decided.message}`);
  return filed.request.id;
}

/** Changes made so far, as AWS (the emulator) saw them; never reads Redis, which may be down. */
const changed = (fleet: Fleet) =>
  (fleet.scope(ACCOUNT, REGION)?.instances ?? []).filter((i) => i.tokensRequiredChanges > 0).length;

/** Runs the kills at 15 / 35 / 55 / 75 % of the instances changed, then waits for the end. */
async function runFaults(bot: Bot, fleet: Fleet, redis: RedisServer, pool: Pool, id: string) {
  const faults: [number, string, () => Promise<void>][] = [
    [0.15, 'worker kill -9', () => pool.killOne()],
    [0.35, 'Redis kill -9', () => redis.kill().then(() => redis.start())],
    [0.55, 'worker kill -9', () => pool.killOne()],
    [0.75, 'Redis kill -9', () => redis.kill().then(() => redis.start())],
  ];
  const started = performance.now();
  const limitMs = Number(values['limit-s']) * 1000;
  let state = '?';
  let lastFault = 0;
  for (;;) {
    const next = faults[0];
    // at least 3 s apart, so a restarted worker is back at work before the next fault
    if (next && changed(fleet) >= next[0] * N && performance.now() - lastFault > 3000) {
      faults.shift();
      lastFault = performance.now();
      log(`  ${((performance.now() - started) / 1000).toFixed(1)} s, ${changed(fleet)} changed: ${next[1]}`);
      await next[2]();
    }
    state = (await bot.ctx.requests.get(id).catch(() => null))?.state ?? state;
    const over = !NOT_TERMINAL.includes(state as ChangeState);
    if (over || performance.now() - started > limitMs) break;
    await sleep(200);
  }
  return { wallMs: performance.now() - started, faultsNotRun: faults.map((f) => f[1]) };
}

async function auditApplied(bot: Bot, id: string): Promise<number> {
  let n = 0;
  for await (const line of bot.audit.export({ format: 'jsonl' })) {
    const e = AuditEntry.parse(JSON.parse(line));
    if (e.requestId === id && e.type === 'applied' && e.target.resource.startsWith('i-')) n++;
  }
  return n;
}

async function notTerminal(bot: Bot): Promise<string[]> {
  const out: string[] = [];
  for (const s of NOT_TERMINAL) for (const cr of await bot.ctx.requests.inState(s)) out.push(`${cr.id} ${s}`);
  return out;
}

function auditVerifyCli(env: Record<string, string>) {
  return new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'audit', 'verify'], {
      env,
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      text += d.toString();
    });
    child.on('exit', (code) => resolve({ code, text: text.trim() }));
  });
}

async function report(
  bot: Bot,
  emulator: AwsEmulator,
  fleet: Fleet,
  id: string,
  env: Record<string, string>,
) {
  const all = fleet.scope(ACCOUNT, REGION)?.instances ?? [];
  const times = (k: number) => all.filter((i) => i.tokensRequiredChanges === k).length;
  const more = all.filter((i) => i.tokensRequiredChanges > 2).length;
  const changes = all.reduce((sum, i) => sum + i.tokensRequiredChanges, 0);
  const applied = await auditApplied(bot, id);
  const stuck = await notTerminal(bot);
  const verify = await auditVerifyCli(env);
  const s = emulator.stats();
  const cr = await bot.ctx.requests.get(id);
  console.log(`request ${id}: ${cr?.state ?? 'NOT FOUND'}`);
  console.log(
    `AWS: ${s.byAction[MODIFY] ?? 0} ModifyInstanceMetadataOptions calls, ${s.faulted} answered 500 InternalError, ${s.throttled} throttled (${JSON.stringify(s.throttledByAction)})`,
  );
  console.log(
    `instances changed once / twice / not at all: ${times(1)} / ${times(2)} / ${times(0)}${more ? ` (more than twice: ${more})` : ''}   target ${N} / 0 / 0`,
  );
  console.log(
    `audit 'applied' entries ${applied} against changes ${changes}: ${applied === changes ? 'equal' : 'NOT EQUAL'}`,
  );
  console.log(`requests not terminal: ${stuck.length}${stuck.length ? ` (${stuck.join(', ')})` : ''}`);
  console.log(`imds-bot audit verify: exit ${verify.code}: ${verify.text}`);
}

async function main(): Promise<void> {
  const redis = await startRedisServer({ persistent: true, appendfsync: 'always' });
  const fleet = benchFleet();
  const emulator = await startAwsEmulator({
    fleet,
    metadataApplyDelayMs: 100,
    faultRate: Number(values['fault-rate']),
    throttle: { ec2ModifyInstanceMetadataOptions: EC2_MODIFY_BUCKET },
  });
  const users = Object.entries(USERS).map(([name, uid]) => ({ id: uid, name, email: `${name}@example.com` }));
  const slack = await startFakeSlack({ users, channels: [{ id: CHANNEL, name: 'imds-security' }] });
  const env = benchEnv(redis, emulator, slack);
  const pool = workerPool(env);
  let bot: Bot | null = null;
  try {
    bot = await startBot(env);
    pool.start();
    pool.start();
    const id = await fileAndApprove(bot);
    emulator.resetStats();
    const run = await runFaults(bot, fleet, redis, pool, id);
    console.log(
      `\n=== bulk of ${N} with 2 worker kill -9, 2 Redis kill -9 (AOF always), ${Number(values['fault-rate']) * 100} % AWS 500s, EC2 throttling ===`,
    );
    console.log(
      `ran ${(run.wallMs / 1000).toFixed(1)} s; faults not run: ${run.faultsNotRun.join(', ') || 'none'}; workers that exited on their own: ${pool.unexpectedExits()}`,
    );
    await report(bot, emulator, fleet, id, env);
  } finally {
    pool.stopAll();
    await bot?.app.close();
    await slack.close();
    await emulator.close();
    await redis.stop();
  }
}

await main();
