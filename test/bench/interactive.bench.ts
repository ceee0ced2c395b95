/**
 * npm run bench:interactive [-- --scans 10 --describe-latency-ms 30000 --status 40 --approvals 20]
 *
 * How fast the bot answers someone clicking while long work runs: 10 scans (and an `/imds scan`
 * command following each, which holds a long-lane worker) against an AWS emulator whose
 * DescribeInstances takes 30 s. Meanwhile it sends signed `/imds status <instance>` commands and
 * Approve clicks to the real Bolt HTTP receiver, one at a time, and measures from the signed
 * request to the answer reaching the fake Slack: the response_url post, and for an approval also
 * the chat.update of its card. Prints p50 / p99 / max. Asserts nothing. Target: p99 under 1 s.
 */
import { parseArgs } from 'node:util';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { freePort, startRedisServer } from '../../sandbox/redis-server.js';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { blockActionsBody, slackRequestHeaders, slashCommandBody } from '../../sandbox/slack/signing.js';
import { createLogger } from '../../src/adapters/log.js';
import { Workflow } from '../../src/config/workflow-schema.js';
import { type App, createApp } from '../../src/main.js';
import { slackEnv } from '../support/slack-env.js';

const { values } = parseArgs({
  options: {
    scans: { type: 'string', default: '10' },
    'describe-latency-ms': { type: 'string', default: '30000' },
    status: { type: 'string', default: '40' },
    approvals: { type: 'string', default: '20' },
    'log-level': { type: 'string', default: 'silent' },
  },
});
const opt = {
  scans: Number(values.scans),
  latencyMs: Number(values['describe-latency-ms']),
  status: Number(values.status),
  approvals: Number(values.approvals),
};
const REGION = 'eu-west-1';
const U = { alice: 'U0ALICE01', sec: 'U0SEC0001', approver: 'U0APPR001' };
const SECURITY = 'C0SEC0001';
const accounts = Array.from({ length: opt.scans }, (_, i) => String(100_000_000_001 + i * 1111));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

function buildFleet() {
  const fleet = new Fleet({ seed: 7 });
  const launchTime = new Date(Date.now() - 40 * 86_400_000);
  const mine: string[] = [];
  for (const accountId of accounts) {
    fleet.addAccount({ id: accountId, regions: [REGION] });
    for (let i = 0; i < 20; i++) {
      const owned = accountId === accounts[0];
      const { instanceId } = fleet.addInstance({
        accountId,
        region: REGION,
        launchTime,
        tags: { Name: `web-${i}`, Owner: owned ? U.alice : 'nobody@example.com' },
      });
      if (owned) mine.push(instanceId);
    }
  }
  return { fleet, mine };
}

const workflow = Workflow.parse({
  version: 1,
  name: 'bench-interactive',
  scope: {
    accounts: accounts.map((id) => ({ id, roleArn: `arn:aws:iam::${id}:role/ImdsBotScanner` })),
    regions: [REGION],
  },
  slack: { securityChannel: SECURITY },
  approvals: { approvers: { users: [U.approver] }, security: { users: [U.sec] } },
});

interface Bot {
  app: App;
  fake: FakeSlack;
  emulator: AwsEmulator;
  url: string;
}

async function send(bot: Bot, body: string): Promise<void> {
  const res = await fetch(bot.url, {
    method: 'POST',
    headers: slackRequestHeaders(body, bot.fake.signingSecret),
    body,
  });
  await res.text();
}

/** The first use of a response_url, polled; its time as the fake recorded it. */
async function answeredAt(
  bot: Bot,
  responseUrl: string,
  limitMs = 120_000,
): Promise<{ at: number; body: unknown }> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const use = bot.fake.state.responseUses(responseUrl)[0];
    if (use) return use;
    if (Date.now() > deadline) throw new Error(`no answer on ${responseUrl}`);
    await sleep(2);
  }
}

async function command(bot: Bot, text: string, user: string, channel: string) {
  const responseUrl = bot.fake.state.newResponseUrl({ channel, user });
  const t0 = Date.now();
  await send(
    bot,
    slashCommandBody({
      text,
      user_id: user,
      channel_id: channel,
      response_url: responseUrl,
      trigger_id: bot.fake.state.newTriggerId(),
    }),
  );
  return { t0, responseUrl };
}

/** One enforce request per instance, filed before the slow scans: each card's request id and ts. */
async function fileRequests(bot: Bot, instanceIds: string[]) {
  const cards: { id: string; ts: string }[] = [];
  for (const instanceId of instanceIds) {
    const { responseUrl } = await command(bot, `enforce ${instanceId} bench`, U.alice, 'C0GEN0001');
    const id = /cr-[0-9a-f]{12}/.exec(JSON.stringify((await answeredAt(bot, responseUrl)).body))?.[0];
    if (!id) throw new Error(`no request for ${instanceId}`);
    for (;;) {
      const card = bot.fake
        .messagesIn(SECURITY)
        .find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id));
      if (card) {
        cards.push({ id, ts: card.ts });
        break;
      }
      await sleep(5);
    }
  }
  return cards;
}

async function approve(bot: Bot, card: { id: string; ts: string }) {
  const responseUrl = bot.fake.state.newResponseUrl({ channel: SECURITY, user: U.approver });
  const t0 = Date.now();
  await send(
    bot,
    blockActionsBody({
      user: { id: U.approver },
      actions: [{ action_id: 'imds_cr_approve', value: card.id }],
      channel: { id: SECURITY },
      message: { ts: card.ts },
      response_url: responseUrl,
      trigger_id: bot.fake.state.newTriggerId(),
    }),
  );
  const reply = await answeredAt(bot, responseUrl);
  let updateAt: number | null = null;
  while (updateAt === null) {
    updateAt =
      bot.fake.calls('chat.update').find((c) => c.args.ts === card.ts && c.at >= t0 && c.ok)?.at ?? null;
    if (updateAt === null) await sleep(2);
  }
  return { reply: reply.at - t0, update: updateAt - t0, text: JSON.stringify(reply.body) };
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? Number.NaN;
};
const row = (what: string, xs: number[]) =>
  console.log(
    `  ${what.padEnd(44)} n=${String(xs.length).padStart(3)}  p50 ${String(q(xs, 0.5)).padStart(5)} ms  p99 ${String(q(xs, 0.99)).padStart(5)} ms  max ${String(Math.max(...xs)).padStart(5)} ms  ${q(xs, 0.99) < 1000 ? 'under 1 s' : 'OVER 1 s'}`,
  );

async function startBot(redisUrl: string): Promise<Bot & { mine: string[] }> {
  const { fleet, mine } = buildFleet();
  const emulator = await startAwsEmulator({ fleet, throttle: false, metadataApplyDelayMs: 0 });
  process.env.AWS_ENDPOINT_URL = emulator.url;
  process.env.AWS_ACCESS_KEY_ID = 'BENCHKEY-HUBBENCHKEY0001';
  process.env.AWS_SECRET_ACCESS_KEY = 'hub-secret';
  const fake = await startFakeSlack({
    users: [
      { id: U.alice, name: 'alice', email: 'alice@example.com' },
      { id: U.sec, name: 'sec' },
      { id: U.approver, name: 'appr' },
    ],
    channels: [
      { id: SECURITY, name: 'imds-security' },
      { id: 'C0GEN0001', name: 'general' },
    ],
    rateLimits: false,
  });
  const env = {
    REDIS_URL: redisUrl,
    IMDS_BOT_PREFIX: 'bench',
    AWS_REGION: 'us-east-1',
    LOG_LEVEL: values['log-level'],
  };
  const port = await freePort();
  const app = await createApp({
    env: { ...env, ...slackEnv(fake, port) },
    workflow,
    log: createLogger(values['log-level']),
  });
  await app.startSlack();
  app.startWorkers(4);
  return { app, fake, emulator, url: `http://127.0.0.1:${port}/slack/events`, mine };
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const bot = await startBot(redis.url);
  const first = await bot.app.requestScan({ kind: 'cli', by: 'bench' });
  await bot.app.waitForScan(first.scanId);
  const cards = await fileRequests(bot, bot.mine.slice(0, opt.approvals));
  bot.emulator.setActionLatency('ec2:DescribeInstances', opt.latencyMs);
  await Promise.all(
    accounts.map((accountId) => bot.app.requestScan({ kind: 'cli', by: 'bench' }, { accountId })),
  );
  const scanCommands = await Promise.all(accounts.map((a) => command(bot, `scan ${a}`, U.sec, SECURITY)));
  await sleep(500);
  const started = Date.now();
  const status: number[] = [];
  const replies: number[] = [];
  const updates: number[] = [];
  let approved = 0;
  for (let i = 0; i < Math.max(opt.status, opt.approvals); i++) {
    if (i < opt.status) {
      const { t0, responseUrl } = await command(
        bot,
        `status ${bot.mine[i % bot.mine.length]}`,
        U.alice,
        'C0GEN0001',
      );
      status.push((await answeredAt(bot, responseUrl)).at - t0);
    }
    const card = cards[i];
    if (card) {
      const a = await approve(bot, card);
      replies.push(a.reply);
      updates.push(a.update);
      if (a.text.includes('Approved')) approved += 1;
    }
  }
  const window = Date.now() - started;
  const finished = scanCommands.filter((s) => bot.fake.state.responseUses(s.responseUrl).length > 1).length;
  console.log(
    `\n=== interactive answers while ${opt.scans} scans run (DescribeInstances ${opt.latencyMs} ms per call; ${opt.scans} /imds scan commands following them) ===`,
  );
  row('/imds status: signed request -> response_url', status);
  row('Approve click: signed request -> response_url', replies);
  row('Approve click: signed request -> chat.update card', updates);
  console.log(
    `  ${approved}/${cards.length} approvals accepted; measured over ${(window / 1000).toFixed(1)} s, during which ${finished}/${opt.scans} scan commands had finished (0 means every sample was taken while all scans ran)`,
  );
  // the scans (and the scan commands following them) would run on for minutes against the slow
  // emulator, and closing waits for active jobs: give it 5 s, then stop Redis and exit
  log('closing…');
  await bot.emulator.close();
  await Promise.race([bot.app.close(), sleep(5000)]);
  await bot.fake.close();
  await redis.stop();
}

await main();
process.exit(0);
