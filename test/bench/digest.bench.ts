/**
 * npm run bench:digest [-- --owners 2000 --laggards 20000 --time-scale 10 --random-429 0.05 --workspace-cap 300]
 *
 * Delivery of one digest to every owner through the fake Slack (in this process) enforcing Slack's
 * tiers, a workspace cap on chat.postMessage and random 429s. The scan itself is benchmarked by
 * bench:scan; this one measures delivery, so the findings store is seeded directly with snapshots.
 * Prints Slack calls by method, messages delivered, 429s, and wall time against the bound set by the
 * cap. Asserts nothing. --time-scale 1 runs in Slack's real time (the bound alone is 400 s then).
 * 429s are told apart by replaying the fake's post limits over its call log (see classifyPost429s).
 */
import { parseArgs } from 'node:util';
import { freePort, startRedisServer } from '../../sandbox/redis-server.js';
import {
  type CallRecord,
  type FakeSlack,
  generateUsers,
  type SeedUser,
  startFakeSlack,
} from '../../sandbox/slack/index.js';
import { createLogger } from '../../src/adapters/log.js';
import type { SlackRuntime } from '../../src/compose/slack.js';
import { Workflow } from '../../src/config/workflow-schema.js';
import type { ScopeSnapshot } from '../../src/domain/findings/model.js';
import { type App, createApp } from '../../src/main.js';
import { makeFinding, makeSnapshot, makeUsage } from '../support/factories.js';
import { slackEnv } from '../support/slack-env.js';

const { values } = parseArgs({
  options: {
    owners: { type: 'string', default: '2000' },
    laggards: { type: 'string', default: '20000' },
    'time-scale': { type: 'string', default: '10' },
    'random-429': { type: 'string', default: '0.05' },
    'workspace-cap': { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    'log-level': { type: 'string', default: 'silent' },
  },
});
const opt = {
  owners: Number(values.owners),
  laggards: Number(values.laggards),
  timeScale: Number(values['time-scale']),
  random429: Number(values['random-429']),
  cap: Number(values['workspace-cap']),
  seed: Number(values.seed),
};
const SECURITY = 'C0SECURITY';
const regions = ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
const accountIds = ['100000000001', '100000001112', '100000002223', '100000003334', '100000004445'];
const ownerEmail = (n: number) => `owner-${n}@example.com`;
const scaledMinuteMs = 60_000 / opt.timeScale;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Laggards spread over every account x region, each owner's spread over several scopes. */
function seedSnapshots(): ScopeSnapshot[] {
  const scopes = accountIds.flatMap((accountId) => regions.map((region) => ({ accountId, region })));
  const byScope = scopes.map((s) =>
    makeSnapshot({ ...s, scanId: 'bench', scannedAt: new Date().toISOString() }),
  );
  for (let i = 0; i < opt.laggards; i++) {
    const n = i % opt.owners;
    const snap = byScope[(i + Math.floor(i / opt.owners)) % byScope.length];
    if (!snap) continue;
    const kind = i % 10;
    const readiness = kind < 6 ? 'ready' : kind < 8 ? 'in-use' : 'unknown';
    const usage =
      readiness === 'in-use'
        ? makeUsage({ noTokenCalls: 1 + (i % 997), lastSeen: new Date(Date.now() - 3_600_000).toISOString() })
        : makeUsage(readiness === 'unknown' ? { datapoints: 0 } : {});
    const name = `svc-${n}-${Math.floor(i / opt.owners)}`;
    snap.findings.push(
      makeFinding({
        accountId: snap.accountId,
        region: snap.region,
        name,
        owner: ownerEmail(n),
        ownerTag: 'Owner',
        tags: { Name: name, Owner: ownerEmail(n), ...(i % 7 === 0 ? { Environment: 'prod' } : {}) },
        readiness,
        usage,
        risk: { prod: i % 7 === 0, iamRole: i % 3 === 0, publicIp: i % 11 === 0 },
      }),
    );
  }
  return byScope;
}

function benchWorkflow(users: SeedUser[]): Workflow {
  const extra = (k: number) => users[opt.owners + k]?.id ?? 'U0NOBODY1';
  return Workflow.parse({
    version: 1,
    name: 'bench-digest',
    scope: {
      accounts: accountIds.map((id) => ({ id, roleArn: `arn:aws:iam::${id}:role/ImdsBotScanner` })),
      regions,
    },
    slack: { securityChannel: SECURITY },
    approvals: { approvers: { users: [extra(0), extra(1)] }, security: { users: [extra(2)] } },
  });
}

/** Owners whose DM holds the digest (and more than one), and whether the outbound queue is empty. */
async function progress(fake: FakeSlack, ownerIds: string[], runtime: Runtime) {
  let delivered = 0;
  let duplicates = 0;
  for (const id of ownerIds) {
    const top = fake.messagesIn(id).filter((m) => !m.thread_ts).length;
    if (top > 0) delivered += 1;
    if (top > 1) duplicates += 1;
  }
  const counts = await runtime.out.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  return { delivered, duplicates, queueIdle: Object.values(counts).every((c) => c === 0) };
}

type Runtime = SlackRuntime;

/** Enqueues one digest and waits (bounded) until every owner has it and the outbound queue is empty. */
async function runDigest(fake: FakeSlack, ownerIds: string[], runtime: Runtime, limitMs: number) {
  const started = performance.now();
  const job = await runtime.tasks.add({
    kind: 'digest',
    trigger: { kind: 'cli', by: 'bench' },
    onlyRegressions: false,
  });
  let planMs: number | null = null;
  let lastReport = started;
  for (;;) {
    const state = await job.getState();
    if (planMs === null && state === 'completed') planMs = performance.now() - started;
    const p = await progress(fake, ownerIds, runtime);
    const elapsed = performance.now() - started;
    const done = planMs !== null && p.delivered === ownerIds.length && p.queueIdle;
    if (done || state === 'failed' || elapsed > limitMs) {
      const fresh = await runtime.tasks.queue.getJob(job.id ?? '');
      return { wallMs: elapsed, planMs, state, progress: p, task: fresh ?? job, timedOut: !done };
    }
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      const n429 = fake.calls().filter((c) => c.status === 429).length;
      log(`  ${(elapsed / 1000).toFixed(0)} s: delivered ${p.delivered}/${ownerIds.length}, 429s ${n429}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Outcome = Awaited<ReturnType<typeof runDigest>>;

const pad = (v: string | number, n: number) => String(v).padStart(n);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function printCalls(fake: FakeSlack): void {
  const summary = fake.callSummary().methods;
  console.log('Slack calls by method                 calls      ok     429     5xx  other errors');
  for (const [method, s] of Object.entries(summary).sort()) {
    const e5 = Object.entries(s.statuses).reduce((n, [st, c]) => n + (Number(st) >= 500 ? c : 0), 0);
    const other = Object.entries(s.errors).filter(
      ([e]) => !/^(ratelimited|internal_error|service_unavailable)$/.test(e),
    );
    const errors = other.map(([e, c]) => `${e} ${c}`).join(', ') || '-';
    console.log(
      `  ${method.padEnd(34)} ${pad(s.calls, 6)}  ${pad(s.ok, 6)}  ${pad(s.statuses['429'] ?? 0, 6)}  ${pad(e5, 6)}  ${errors}`,
    );
  }
  const list = summary['users.list'];
  console.log(
    `owner lookups: ${opt.owners} owners resolved with ${list?.ok ?? 0} users.list pages (${list?.calls ?? 0} calls) and ${summary['users.lookupByEmail']?.calls ?? 0} users.lookupByEmail calls`,
  );
}

/**
 * Replays the fake's chat.postMessage limits (1 per DM per Slack second, `cap` per Slack minute) over
 * its call log: a refused call is the per-DM limit or the cap; a 429 on a call they let through was random.
 */
function classifyPost429s(posts: CallRecord[]) {
  const secondMs = 1000 / opt.timeScale;
  const lastByDm = new Map<string, number>();
  const window: number[] = [];
  const n = { perDm: 0, cap: 0, random: 0 };
  for (const c of posts) {
    const dm = String(c.args.channel ?? '');
    while (window.length > 0 && (window[0] ?? 0) <= c.at - scaledMinuteMs) window.shift();
    const dmBusy = (lastByDm.get(dm) ?? Number.NEGATIVE_INFINITY) > c.at - secondMs;
    const capBusy = window.length >= opt.cap;
    if (c.status === 429 && (dmBusy || capBusy)) n[dmBusy ? 'perDm' : 'cap'] += 1;
    if (dmBusy || capBusy) continue;
    lastByDm.set(dm, c.at);
    window.push(c.at);
    if (c.status === 429) n.random += 1;
  }
  return n;
}

/** Calls made while an earlier Retry-After ran, and how soon a refused DM was tried again. */
function retryBehaviour(posts: CallRecord[]) {
  let blockedUntil = 0;
  let early = 0;
  let soonerThanAsked = 0;
  const refused = new Map<string, { at: number; until: number }>();
  const gaps: number[] = [];
  for (const c of posts) {
    if (c.at < blockedUntil) early += 1;
    const dm = String(c.args.channel ?? '');
    const prev = refused.get(dm);
    if (prev) {
      gaps.push(c.at - prev.at);
      if (c.at < prev.until) soonerThanAsked += 1;
      refused.delete(dm);
    }
    if (c.status !== 429) continue;
    const until = c.at + (c.retryAfter ?? 1) * 1000;
    blockedUntil = Math.max(blockedUntil, until);
    refused.set(dm, { at: c.at, until });
  }
  gaps.sort((a, b) => a - b);
  const q = (x: number) => gaps[Math.min(gaps.length - 1, Math.floor(x * gaps.length))] ?? 0;
  return { early, soonerThanAsked, retried: gaps.length, min: q(0), median: q(0.5), p90: q(0.9) };
}

function print429s(fake: FakeSlack): void {
  const limited = fake.calls().filter((c) => c.status === 429);
  const posts = fake.calls('chat.postMessage');
  const k = classifyPost429s(posts);
  const others = limited.length - posts.filter((c) => c.status === 429).length;
  console.log(
    `429s seen: ${limited.length} = chat.postMessage: ${k.random} random (${opt.random429 * 100}%), ${k.perDm} per-DM limit (the same DM again within a Slack second), ${k.cap} workspace cap; other methods ${others}`,
  );
  const asked = limited.reduce((n, c) => n + (c.retryAfter ?? 0), 0);
  const retryAfters = [...new Set(limited.map((c) => c.retryAfter ?? 0))].sort((a, b) => a - b).join(', ');
  console.log(
    `  Retry-After asked ${asked} s in all (values: ${retryAfters || '-'} s; whole wall-clock seconds, at least 1, not scaled)`,
  );
  const r = retryBehaviour(posts);
  const okPosts = posts.filter((c) => c.ok).length;
  console.log(
    `  chat.postMessage attempts per delivered post ${(posts.length / Math.max(1, okPosts)).toFixed(2)}; posts sent while an earlier Retry-After ran ${r.early}`,
  );
  console.log(
    `  a refused DM was tried again after ${r.min} ms min / ${r.median} ms median / ${r.p90} ms p90: sooner than its Retry-After ${r.soonerThanAsked} of ${r.retried} times`,
  );
}

/** The most posts Slack accepted within any one (scaled) minute. */
function busiestMinute(at: number[]): number {
  let best = 0;
  for (let i = 0, j = 0; j < at.length; j++) {
    while ((at[i] ?? 0) <= (at[j] ?? 0) - scaledMinuteMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

function printTiming(fake: FakeSlack, owners: number, o: Outcome): void {
  const posts = fake.calls('chat.postMessage');
  const ok = posts.filter((c) => c.ok).map((c) => c.at);
  const boundSlackS = (owners / opt.cap) * 60;
  const boundWallS = boundSlackS / opt.timeScale;
  const realS = (o.wallMs / 1000) * opt.timeScale;
  // each random 429 asks for Retry-After 1 s of wall time whatever the time scale
  const pausedS = classifyPost429s(posts).random;
  console.log(
    `wall time ${secs(o.wallMs)} (enqueue to every DM delivered and the queue empty); first to last post ${secs((ok.at(-1) ?? 0) - (ok[0] ?? 0))}`,
  );
  console.log(
    `bound from the cap: ${owners} posts at ${opt.cap}/min = ${boundSlackS.toFixed(0)} s of Slack time = ${boundWallS.toFixed(1)} s wall at time scale ${opt.timeScale}; actual / bound ${(o.wallMs / 1000 / boundWallS).toFixed(2)}`,
  );
  console.log(
    `  a bot that honours every Retry-After also pauses up to ${pausedS} s for the ${pausedS} random 429s (1 s each, unscaled): ${(boundWallS + pausedS).toFixed(1)} s wall`,
  );
  console.log(
    `real-time equivalent ${realS.toFixed(0)} s (${(realS / 60).toFixed(1)} min) against ${boundSlackS.toFixed(0)} s; ${(ok.length / (realS / 60)).toFixed(0)} posts per Slack minute on average, busiest Slack minute ${busiestMinute(ok)} (cap ${opt.cap})`,
  );
}

async function printOutcome(fake: FakeSlack, ownerIds: string[], runtime: Runtime, o: Outcome) {
  const counts = await runtime.out.queue.getJobCounts('completed', 'failed', 'waiting', 'delayed', 'active');
  const planned = (o.task.returnvalue ?? {}) as { planned?: number; owners?: number };
  const planTime = o.planMs === null ? '-' : secs(o.planMs);
  console.log(
    `digest task: ${o.state}, ${o.task.attemptsMade} attempt(s), planned ${planned.planned ?? '?'} posts for ${planned.owners ?? '?'} owners in ${planTime}`,
  );
  const p = o.progress;
  console.log(
    `messages delivered: ${p.delivered} / ${ownerIds.length} owner DMs, dropped ${ownerIds.length - p.delivered}, duplicated ${p.duplicates}; security channel ${fake.messagesIn(SECURITY).length}${o.timedOut ? '  (TIMED OUT)' : ''}`,
  );
  console.log(
    `outbound queue: ${Object.entries(counts)
      .map(([key, n]) => `${key} ${n}`)
      .join(', ')}`,
  );
  printCalls(fake);
  print429s(fake);
  printTiming(fake, ownerIds.length, o);
}

async function startBot(redisUrl: string, fake: FakeSlack, workflow: Workflow) {
  const env = {
    REDIS_URL: redisUrl,
    IMDS_BOT_PREFIX: 'bench',
    AWS_REGION: 'us-east-1',
    LOG_LEVEL: values['log-level'],
  };
  const port = await freePort();
  const app: App = await createApp({
    env: { ...env, ...slackEnv(fake, port) },
    workflow,
    log: createLogger(values['log-level']),
  });
  const runtime = await app.startSlack({ listen: false });
  return { app, runtime };
}

async function main(): Promise<void> {
  const users = generateUsers({
    users: opt.owners + 5,
    seed: opt.seed,
    deletedShare: 0,
    ownerEmails: Array.from({ length: opt.owners }, (_, n) => ownerEmail(n)),
  });
  const ownerIds = users.slice(0, opt.owners).map((u) => u.id);
  const redis = await startRedisServer();
  const fake = await startFakeSlack({
    users,
    channels: [{ id: SECURITY, name: 'imds-security' }],
    rateLimits: { postMessageWorkspacePerMinute: opt.cap },
    timeScale: opt.timeScale,
    random429Share: opt.random429,
    seed: opt.seed,
    callLogLimit: 2_000_000,
  });
  let app: App | null = null;
  try {
    const bot = await startBot(redis.url, fake, benchWorkflow(users));
    app = bot.app;
    for (const snap of seedSnapshots())
      await app.store.commitSnapshot(snap, { became: [], cleared: [] }, new Date());
    console.log(
      `\n=== digest to ${opt.owners} owners, ${opt.laggards} laggards over ${accountIds.length} accounts x ${regions.length} regions; cap ${opt.cap} posts/min, time scale ${opt.timeScale} (a Slack minute = ${(scaledMinuteMs / 1000).toFixed(1)} s), ${opt.random429 * 100}% random 429s ===`,
    );
    const boundMs = (opt.owners / opt.cap) * scaledMinuteMs;
    const outcome = await runDigest(fake, ownerIds, bot.runtime, Math.max(3 * boundMs, boundMs + 120_000));
    await printOutcome(fake, ownerIds, bot.runtime, outcome);
  } finally {
    await app?.close();
    await fake.close();
    await redis.stop();
  }
}

await main();
