import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../sandbox/redis-server.js';
import { createAuditStore } from '../../src/adapters/redis/audit.js';
import type { AuditBody } from '../../src/domain/change/audit-chain.js';
import { runCli } from '../support/cli-process.js';

const PREFIX = 'anchors';
const body = (i: number): AuditBody => ({
  at: new Date(Date.UTC(2026, 11, 1, 0, i)).toISOString(),
  type: 'applied',
  actor: { system: 'imds-bot' },
  target: { accountId: '777777777777', region: 'eu-west-1', resource: `i-${String(i).padStart(17, '0')}` },
  requestId: `cr-${i}`,
  before: null,
  after: null,
  reason: null,
  awsRequestId: null,
  jobId: null,
  card: null,
});

/**
 * Seen: with maxmemory-policy allkeys-lru Redis evicted the whole audit stream and its head;
 * `audit verify` then said "unbroken: 0 entries" (exit 0). Anchors kept outside Redis catch it.
 */
describe('audit anchors outside Redis', () => {
  let redis: RedisServer;
  let client: Redis;
  let env: Record<string, string>;
  let anchorFile: string;

  beforeAll(async () => {
    redis = await startRedisServer({
      extraArgs: ['--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru'],
    });
    client = new Redis(redis.url);
    const dir = mkdtempSync(join(tmpdir(), 'imds-anchor-'));
    anchorFile = join(dir, 'anchors.jsonl');
    const workflow = join(dir, 'workflow.yaml');
    writeFileSync(
      workflow,
      `version: 1\nname: anchors\nscope:\n  accounts:\n    - id: "777777777777"\n      roleArn: arn:aws:iam::777777777777:role/ImdsBotScanner\n  regions: [eu-west-1]\naudit:\n  anchorFile: ${anchorFile}\n`,
    );
    env = {
      ...(process.env as Record<string, string>),
      REDIS_URL: redis.url,
      IMDS_BOT_PREFIX: PREFIX,
      LOG_LEVEL: 'silent',
      WORKFLOW_FILE: workflow,
      SLACK_BOT_TOKEN: '',
    };
  }, 30_000);
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('anchor writes the head to the file; verify says which anchor proves which range', async () => {
    const audit = createAuditStore({ redis: client, prefix: PREFIX });
    for (let i = 1; i <= 5; i += 1) await audit.append(body(i));
    const first = await runCli(env, ['audit', 'anchor']);
    expect(first.code).toBe(0);
    for (let i = 6; i <= 8; i += 1) await audit.append(body(i));
    expect((await runCli(env, ['audit', 'anchor'])).code).toBe(0);

    const lines = readFileSync(anchorFile, 'utf8').trim().split('\n');
    const anchors = lines.map((l) => JSON.parse(l) as { at: string; seq: number; hash: string });
    expect(anchors.map((a) => a.seq)).toEqual([5, 8]);
    expect(anchors[1]?.hash).toBe((await audit.head())?.hash);
    expect(first.stdout).toBe(
      `anchored entry #5 ${anchors[0]?.hash} at ${anchors[0]?.at} in ${anchorFile}\n`,
    );

    const ok = await runCli(env, ['audit', 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')).toEqual([
      `the anchor of ${anchors[0]?.at} proves entries #1–#5 (hash ${anchors[0]?.hash.slice(0, 16)}…)`,
      `the anchor of ${anchors[1]?.at} proves entries #1–#8 (hash ${anchors[1]?.hash.slice(0, 16)}…)`,
      `audit chain unbroken: 8 entries, head #8 ${anchors[1]?.hash}`,
      '',
    ]);
  }, 60_000);

  it('fails when an evicting Redis dropped entries an anchor covered', async () => {
    const filler = 'x'.repeat(10_000);
    for (let i = 0; i < 5000; i += 1) {
      await client.set(`filler:${i}`, filler);
      if (i % 50 === 0 && (await client.exists(`${PREFIX}:audit`, `${PREFIX}:audit:head`)) === 0) break;
    }
    expect(await client.exists(`${PREFIX}:audit`, `${PREFIX}:audit:head`)).toBe(0);

    const r = await runCli(env, ['audit', 'verify']);
    expect(r.code).toBe(1);
    // (BullMQ warns about the policy too: our line is the one that starts with "audit chain")
    expect(r.stderr).toMatch(
      /^audit chain BROKEN: the anchor of \S+ covers entries #1–#5, but the chain has 0 entries: entries #1–#5 are gone$/m,
    );
  }, 60_000);
});
