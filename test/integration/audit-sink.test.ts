// The audit trail streamed to a file and to a webhook as entries are written, on a real Redis, a
// real file and a real local HTTP server: the lines are exact (a person's line breaks stay inside
// their strings), the webhook's signature verifies, a sink that is down never holds up an append
// and catches up from its cursor, after a restart too, and each entry arrives once, in order.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSink } from '../../src/adapters/audit-sink/file.js';
import { auditSinkTargets } from '../../src/adapters/audit-sink/index.js';
import { type AuditSinkTarget, startAuditStream } from '../../src/adapters/audit-sink/stream.js';
import { createWebhookSink } from '../../src/adapters/audit-sink/webhook.js';
import { silentLogger } from '../../src/adapters/log.js';
import { createAuditStore } from '../../src/adapters/redis/audit.js';
import { Workflow } from '../../src/config/workflow-schema.js';
import type { AuditBody } from '../../src/domain/change/audit-chain.js';
import { ConfigError } from '../../src/domain/errors.js';
import { createApp } from '../../src/main.js';
import { auditJsonLine } from '../../src/report/audit-formats.js';
import { makeWorkflow, testEnv } from '../support/harness.js';
import { testRedis } from '../support/redis-prefix.js';

const SECRET = 'webhook-secret-for-tests';
const FORGERY = 'ok\n{"schemaVersion":1,"seq":1000,"type":"approved"}\n';

const body = (i: number, reason: string | null = null): AuditBody => ({
  at: new Date(Date.UTC(2026, 11, 1, 6, 0, i)).toISOString(),
  type: i % 2 ? 'approved' : 'snoozed',
  actor: { userId: `U${i}`, name: `user ${i}` },
  target: { accountId: '123456789012', region: 'eu-west-1', resource: `i-${i}` },
  requestId: `cr-${i}`,
  before: null,
  after: null,
  reason,
  awsRequestId: null,
  jobId: null,
  card: null,
});

/** Resolves once `check` holds (polled), or fails with what it last saw. */
async function until<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 400; i++) {
    last = await read();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: still ${JSON.stringify(last)}`);
}

/** The receiver's side, as docs/audit-schema.md tells it: HMAC-SHA256 of v1:<ts>:<body>. */
function verified(req: IncomingMessage, raw: string): boolean {
  const ts = String(req.headers['x-imds-bot-timestamp'] ?? '');
  const got = Buffer.from(String(req.headers['x-imds-bot-signature'] ?? ''));
  const want = Buffer.from(`v1=${createHmac('sha256', SECRET).update(`v1:${ts}:${raw}`).digest('hex')}`);
  const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
  return fresh && got.length === want.length && timingSafeEqual(got, want);
}

describe('audit sinks', () => {
  const { redis, connect, freshPrefix } = testRedis();
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imds-audit-sink-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const streamTo = (prefix: string, sink: AuditSinkTarget) =>
    startAuditStream({
      redis,
      reader: connect(),
      prefix,
      sink,
      log: silentLogger(),
      blockMs: 100,
      backoff: { firstMs: 20, maxMs: 200 },
      batch: 4,
    });

  it('file: each entry appended as its exact JSON line, in order, as it is written', async () => {
    const prefix = freshPrefix();
    const audit = createAuditStore({ redis, prefix });
    const path = join(dir, 'audit.jsonl');
    const stream = streamTo(prefix, createFileSink(path));
    const written = [];
    for (let i = 1; i <= 9; i++) written.push((await audit.append(body(i, i === 3 ? FORGERY : null))).entry);
    await until(
      () => stream.deliveredSeq(),
      (s) => s === 9,
      'delivered seq',
    );
    await stream.stop();
    const text = await readFile(path, 'utf8');
    expect(text).toBe(written.map(auditJsonLine).join(''));
    const lines = text.split('\n').slice(0, -1);
    expect(lines).toHaveLength(9);
    expect((JSON.parse(lines[2] ?? '') as { reason: string }).reason).toBe(FORGERY);
  });

  it('file: a line cut by a crash is cut off, and entries the file already has are not written twice', async () => {
    const prefix = freshPrefix();
    const audit = createAuditStore({ redis, prefix });
    const entries = [];
    for (let i = 1; i <= 5; i++) entries.push((await audit.append(body(i))).entry);
    const path = join(dir, 'crashed.jsonl');
    // the file holds entries 1-3 and half of 4; the cursor in Redis was never written (crash)
    const half = auditJsonLine(entries[3] as (typeof entries)[number]).slice(0, 40);
    await writeFile(path, entries.slice(0, 3).map(auditJsonLine).join('') + half);
    const stream = streamTo(prefix, createFileSink(path));
    await until(
      () => stream.deliveredSeq(),
      (s) => s === 5,
      'delivered seq',
    );
    await stream.stop();
    expect(await readFile(path, 'utf8')).toBe(entries.map(auditJsonLine).join(''));
  });

  describe('webhook', () => {
    let server: Server;
    let url: string;
    let down = 0;
    const received: { seq: number; line: string }[] = [];
    let badSignatures = 0;
    let requests = 0;

    beforeAll(async () => {
      server = createServer((req, res) => {
        let raw = '';
        req.setEncoding('utf8');
        req.on('data', (d: string) => {
          raw += d;
        });
        req.on('end', () => {
          requests += 1;
          if (!verified(req, raw)) {
            badSignatures += 1;
            res.writeHead(401).end();
            return;
          }
          if (down > 0) {
            down -= 1;
            res.writeHead(503).end();
            return;
          }
          for (const line of raw.split('\n').slice(0, -1))
            received.push({ seq: (JSON.parse(line) as { seq: number }).seq, line: `${line}\n` });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it('signed batches; a receiver that is down holds up no append and gets everything once, in order, after it', async () => {
      const prefix = freshPrefix();
      const audit = createAuditStore({ redis, prefix });
      down = 3;
      const stream = streamTo(prefix, createWebhookSink({ url, secret: SECRET }));
      const written = [];
      for (let i = 1; i <= 6; i++)
        written.push((await audit.append(body(i, i === 2 ? FORGERY : null))).entry);
      // every append returned while the receiver was refusing: they are all in Redis already
      expect((await audit.head())?.seq).toBe(6);
      await until(
        () => stream.deliveredSeq(),
        (s) => s === 6,
        'delivered seq',
      );
      expect(down).toBe(0);
      expect(received.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(received.map((r) => r.line)).toEqual(written.map(auditJsonLine));

      // stopped (a restart), more entries meanwhile: the next stream resumes after seq 6
      await stream.stop();
      for (let i = 7; i <= 10; i++) written.push((await audit.append(body(i))).entry);
      const again = streamTo(prefix, createWebhookSink({ url, secret: SECRET }));
      await until(
        () => again.deliveredSeq(),
        (s) => s === 10,
        'delivered seq after restart',
      );
      await again.stop();
      expect(received.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(badSignatures).toBe(0);
      expect(requests).toBeGreaterThanOrEqual(3 + 3); // 3 refused, then batches of at most 4
    });

    it('a wrong secret is refused by the receiver and nothing is counted as delivered', async () => {
      const prefix = freshPrefix();
      const audit = createAuditStore({ redis, prefix });
      await audit.append(body(1));
      const before = badSignatures;
      const stream = streamTo(prefix, createWebhookSink({ url, secret: 'not-the-secret' }));
      await until(
        async () => badSignatures,
        (n) => n >= before + 2,
        'refused deliveries',
      );
      expect(await stream.deliveredSeq()).toBe(0);
      await stream.stop();
    });

    it('two processes streaming to one sink deliver each entry once (one lease)', async () => {
      const prefix = freshPrefix();
      const audit = createAuditStore({ redis, prefix });
      const start = received.length;
      const a = streamTo(prefix, createWebhookSink({ url, secret: SECRET }));
      const b = streamTo(prefix, createWebhookSink({ url, secret: SECRET }));
      for (let i = 1; i <= 12; i++) await audit.append(body(i));
      await until(
        () => a.deliveredSeq(),
        (s) => s === 12,
        'delivered seq',
      );
      await Promise.all([a.stop(), b.stop()]);
      expect(received.slice(start).map((r) => r.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    });
  });

  it("worker: the workflow's audit.sinks stream what the app appends; a webhook without its secret stops the start", async () => {
    const path = join(dir, 'worker.jsonl');
    const workflow = makeWorkflow(
      { accounts: 'self', regions: ['eu-west-1'] },
      { audit: { sinks: [{ kind: 'file', path }] } },
    );
    const app = await createApp({ env: testEnv(), workflow, log: silentLogger() });
    const stop = new AbortController();
    try {
      await app.startBot({ listen: false, signal: stop.signal });
      const { entry } = await app.audit.append(body(1, FORGERY));
      const text = await until(
        () => readFile(path, 'utf8').catch(() => ''),
        (t) => t.length > 0,
        'the file',
      );
      expect(text).toBe(auditJsonLine(entry));
    } finally {
      await app.close();
    }
    const webhook = [{ kind: 'webhook' as const, url: 'https://siem.example.com/x', secretEnv: 'MY_SECRET' }];
    expect(() => auditSinkTargets(webhook, {})).toThrow(ConfigError);
    expect(() => auditSinkTargets(webhook, {})).toThrow(/MY_SECRET/);
    const bad = Workflow.safeParse({
      ...workflow,
      audit: { sinks: [{ kind: 'webhook', url: 'file:///etc/passwd' }] },
    });
    expect(bad.success).toBe(false);
  });
});
