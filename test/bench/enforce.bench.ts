/**
 * npm run bench:enforce [-- --instances 1000 --apply-delay-ms 100 --log-level silent]
 *
 * The scenario: `--instances` ready laggards of one owner in one account x region, filed as
 * ONE bulk request and approved once; the change worker then enforces them one job each, every AWS
 * call first taking a token from the shared Redis limiter. The AWS emulator (in this process) meters
 * ModifyInstanceMetadataOptions with EC2's own bucket (100 burst, 5/s) and answers
 * RequestLimitExceeded over it. Prints wall time from approval to 'applied' against EC2's bound and
 * ours, throttling seen, and applied / verified / audited counts. Asserts nothing.
 * `--instances 200` is the quick mode (about a minute).
 */
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import type { EmulatorStats } from '../../sandbox/aws/stats.js';
import { DEFAULT_THROTTLE } from '../../sandbox/aws/throttle.js';
import { freePort, startRedisServer } from '../../sandbox/redis-server.js';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { createLogger } from '../../src/adapters/log.js';
import { CHANGE_QUEUE } from '../../src/adapters/queue/changes.js';
import { DEFAULT_BUDGETS } from '../../src/adapters/redis/rate-limit.js';
import { approve } from '../../src/app/change/decide.js';
import { requestBulk } from '../../src/app/change/request.js';
import { Workflow } from '../../src/config/workflow-schema.js';
import { AuditEntry } from '../../src/domain/change/audit-chain.js';
import { type App, createApp } from '../../src/main.js';
import { slackEnv } from '../support/slack-env.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '1000' },
    'apply-delay-ms': { type: 'string', default: '100' },
    'log-level': { type: 'string', default: 'silent' },
  },
});
const N = Number(values.instances);
const ACCOUNT = '454545454545';
const REGION = 'eu-west-1';
const CHANNEL = 'C0SEC0001';
const USERS = { owner: 'U0OWNER01', sec: 'U0SEC0001', approver: 'U0APPR001' };
const EC2_BUCKET = DEFAULT_THROTTLE.ec2ModifyInstanceMetadataOptions;
const OURS = DEFAULT_BUDGETS.ModifyInstanceMetadataOptions;
const DESCRIBE = DEFAULT_BUDGETS.DescribeInstances;
const MODIFY = 'ec2:ModifyInstanceMetadataOptions';
const log = (line: string) => process.stderr.write(`${line}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const bound = (b: { burst: number; refillPerSecond: number }, calls = N) =>
  Math.max(0, calls - b.burst) / b.refillPerSecond;

function benchFleet(): Fleet {
  const fleet = new Fleet({ seed: 7 });
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

const benchWorkflow = () =>
  Workflow.parse({
    version: 1,
    name: 'bench-enforce',
    scope: {
      accounts: [{ id: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner` }],
      regions: [REGION],
    },
    slack: { securityChannel: CHANNEL },
    approvals: { approvers: { users: [USERS.approver] }, security: { users: [USERS.sec] } },
  });

/** The SDK finds the emulator and credentials in the environment, as in production. */
function pointSdkAt(url: string): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'TESTKEY-HUBTESTKEY000001',
    AWS_SECRET_ACCESS_KEY: 'hub-secret',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  delete process.env.AWS_PROFILE;
}

async function startBot(redisUrl: string, slack: FakeSlack) {
  const level = values['log-level'] ?? 'silent';
  const env = { REDIS_URL: redisUrl, IMDS_BOT_PREFIX: 'bench', AWS_REGION: 'us-east-1', LOG_LEVEL: level };
  const port = await freePort();
  const app: App = await createApp({
    env: { ...env, ...slackEnv(slack, port) },
    workflow: benchWorkflow(),
    log: createLogger(level),
  });
  const runtime = await app.startSlack({ listen: false });
  app.startWorkers(4);
  return { app, runtime };
}
type Bot = Awaited<ReturnType<typeof startBot>>;

/** A scan of the emulator seeds the findings; then one bulk request of the owner's ready instances. */
async function fileBulk(bot: Bot): Promise<string> {
  const started = performance.now();
  const { scanId } = await bot.app.requestScan({ kind: 'cli', by: 'bench' });
  await bot.app.waitForScan(scanId);
  const snap = await bot.app.store.getSnapshot({ accountId: ACCOUNT, region: REGION });
  const findings = snap?.findings ?? [];
  log(`scan: ${findings.length} findings in ${secs(performance.now() - started)}`);
  const filed = await requestBulk(
    bot.runtime.ctx.change,
    findings,
    { accountId: ACCOUNT, owner: USERS.owner },
    { userId: USERS.sec, name: 'sec' },
    [],
    { channelId: CHANNEL },
  );
  if (!filed.ok) throw new Error(`bulk request refused: ${filed.reason}`);
  return filed.request.id;
}

/** Approves once, then polls until the request leaves 'applying' (bounded), sampling memory. */
async function approveAndWait(bot: Bot, emulator: AwsEmulator, id: string, limitMs: number) {
  const ctx = bot.runtime.ctx.change;
  const started = performance.now();
  const decided = await approve(ctx, id, { userId: USERS.approver, name: 'approver' }, []);
  if (!decided.ok) throw new Error(`approval refused: ${decided.message}`);
  let peakRss = process.memoryUsage().rss;
  let lastReport = started;
  for (;;) {
    const cr = await ctx.requests.get(id);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const elapsed = performance.now() - started;
    const over = cr?.state !== 'approved' && cr?.state !== 'applying';
    if (over || elapsed > limitMs) return { wallMs: elapsed, state: cr?.state ?? '?', cr, peakRss };
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      const c = await ctx.tally.counts(id);
      const s = emulator.stats();
      log(
        `  ${secs(elapsed)}: done ${c.done ?? 0}, failed ${c.failed ?? 0}, Modify calls ${s.byAction[MODIFY] ?? 0}, throttled ${s.throttled}, rss ${Math.round(process.memoryUsage().rss / 1048576)} MB`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function auditCounts(bot: Bot, id: string) {
  const n: Record<string, number> = {};
  for await (const line of bot.runtime.ctx.audit.export({ format: 'jsonl' })) {
    const e = AuditEntry.parse(JSON.parse(line));
    if (e.requestId === id && e.target.resource.startsWith('i-')) n[e.type] = (n[e.type] ?? 0) + 1;
  }
  return { n, chainOk: (await bot.runtime.ctx.audit.verify()).ok };
}

async function jobCounts(bot: Bot) {
  const prefix = `${bot.app.config.prefix}:bull`;
  const queue = new Queue(CHANGE_QUEUE, { prefix, connection: bot.app.connect('bench-counts') });
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'delayed', 'active');
  const done = await queue.getJobs(['completed', 'failed'], 0, N + 10);
  const retried = done.filter((j) => j.attemptsMade > 1).length;
  await queue.close();
  return { counts, retried };
}

type Outcome = Awaited<ReturnType<typeof approveAndWait>>;

function printTiming(s: EmulatorStats, o: Outcome): void {
  const wall = o.wallMs / 1000;
  const ratio = (b: number) => (wall / Math.max(1, b)).toFixed(2);
  const [ec2, ours] = [bound(EC2_BUCKET), bound(OURS)];
  const describes = s.byAction['ec2:DescribeInstances'] ?? 0;
  const timedOut = o.state === 'applying' || o.state === 'approved' ? '  (TIMED OUT)' : '';
  console.log(`request: ${o.state}, after ${JSON.stringify(o.cr?.after ?? null)}${timedOut}`);
  console.log(`wall time approval -> applied: ${(o.wallMs / 1000).toFixed(1)} s`);
  const e = EC2_BUCKET;
  console.log(
    `  EC2's bucket bound (n - ${e.burst}) / ${e.refillPerSecond} = ${ec2.toFixed(0)} s: actual / bound ${ratio(ec2)}`,
  );
  console.log(
    `  our budget's bound (n - ${OURS.burst}) / ${OURS.refillPerSecond} = ${ours.toFixed(0)} s: actual / bound ${ratio(ours)}`,
  );
  console.log(
    `  the limiter deliberately stays under EC2's bucket (${OURS.burst} burst, ${OURS.refillPerSecond}/s against ${e.burst}, ${e.refillPerSecond}/s) so the console, IaC pipelines and other tools in the account keep headroom: our bound, not EC2's, is the floor`,
  );
  console.log(
    `  DescribeInstances: ${describes} calls, ${(describes / N).toFixed(2)} per instance, under our budget of ${DESCRIBE.burst} burst, ${DESCRIBE.refillPerSecond}/s: bound ${bound(DESCRIBE, describes).toFixed(0)} s`,
  );
}

async function printCounts(bot: Bot, s: EmulatorStats, fleet: Fleet, id: string, o: Outcome) {
  const audit = await auditCounts(bot, id);
  const jobs = await jobCounts(bot);
  const all = fleet.scope(ACCOUNT, REGION)?.instances ?? [];
  const required = all.filter((i) => i.metadata.httpTokens === 'required').length;
  const mb = (bytes: number) => `${Math.round(bytes / 1_048_576)} MB`;
  console.log(
    `RequestLimitExceeded answers: ${s.throttled}, by action ${JSON.stringify(s.throttledByAction)}`,
  );
  console.log(
    `ModifyInstanceMetadataOptions calls: ${s.byAction[MODIFY] ?? 0}; all: ${JSON.stringify(s.byAction)}`,
  );
  const [applied, verified] = [audit.n.applied ?? 0, audit.n.verified ?? 0];
  const equal = required === N && applied === N && verified === N ? 'all equal n' : 'NOT ALL EQUAL n';
  console.log(
    `changes applied (fleet requires IMDSv2) ${required}, verified ${verified}, audited (applied entries) ${applied}, n = ${N}: ${equal}; failed entries ${audit.n.failed ?? 0}; audit chain ${audit.chainOk ? 'ok' : 'BROKEN'}`,
  );
  console.log(`change jobs: ${JSON.stringify(jobs.counts)}; needing more than one attempt: ${jobs.retried}`);
  console.log(
    `peak RSS while applying ${mb(o.peakRss)} (bot, emulator and fake Slack in one process); heap now ${mb(process.memoryUsage().heapUsed)}`,
  );
}

/** Waits (bounded) for the outbound Slack queue to drain, then reads the request's card as Slack shows it. */
async function printCard(bot: Bot, slack: FakeSlack, id: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const c = await bot.runtime.out.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(c).every((n) => n === 0) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const card = await bot.runtime.ctx.cards.get(`request:${id}`);
  const shown = card ? slack.message(card.channel, card.ts) : undefined;
  const text = JSON.stringify(shown?.blocks ?? []);
  const updates = slack.calls('chat.update').filter((u) => u.args.ts === card?.ts);
  const progress = updates.flatMap((u) => {
    const m = new RegExp(`Progress: (\\d+)/${N} done`).exec(JSON.stringify(u.args.blocks));
    return m && Number(m[1]) < N ? [Number(m[1])] : [];
  });
  const state = /(Applied and verified|Applying…|Failed)/.exec(text)?.[0] ?? '?';
  const final = /Progress: [^"\\]*/.exec(text)?.[0] ?? 'no progress line';
  console.log(
    `card: ${updates.length} chat.update calls (${updates.filter((u) => u.ok).length} ok); progress updates at ${progress.join(', ') || 'none'} (every 25 expected: ${Math.floor((N - 1) / 25)}); shown now: "${state}", "${final}"`,
  );
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const fleet = benchFleet();
  const emulator = await startAwsEmulator({ fleet, metadataApplyDelayMs: Number(values['apply-delay-ms']) });
  pointSdkAt(emulator.url);
  const users = Object.entries(USERS).map(([name, id]) => ({ id, name, email: `${name}@example.com` }));
  const slack = await startFakeSlack({ users, channels: [{ id: CHANNEL, name: 'imds-security' }] });
  let app: App | null = null;
  try {
    const bot = await startBot(redis.url, slack);
    app = bot.app;
    const id = await fileBulk(bot);
    emulator.resetStats();
    const limitMs = Math.max(3 * bound(OURS) * 1000, 120_000);
    const outcome = await approveAndWait(bot, emulator, id, limitMs);
    const stats = emulator.stats();
    console.log(
      `\n=== bulk enforce: ${N} ready instances of one owner in ${ACCOUNT}/${REGION}, one request ${id}, one approval ===`,
    );
    printTiming(stats, outcome);
    await printCounts(bot, stats, fleet, id, outcome);
    await printCard(bot, slack, id);
  } finally {
    await app?.close();
    await slack.close();
    await emulator.close();
    await redis.stop();
  }
}

await main();
