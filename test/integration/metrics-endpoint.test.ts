import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeRegionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { silentLogger } from '../../src/adapters/log.js';
import { countAwsCalls } from '../../src/adapters/metrics/aws.js';
import { createMetrics } from '../../src/adapters/metrics/catalog.js';
import { type App, createApp } from '../../src/main.js';
import { hubEnv, testEnv } from '../support/harness.js';

/**
 * `imds-bot worker` as its own process (real Redis, the AWS emulator over HTTP): after a scan that
 * this test requests, its /metrics shows the jobs, the scopes, the AWS calls by outcome and the
 * state read from Redis; /healthz and /readyz answer as the probes expect.
 */
const ACCOUNT = '222222222222';
const REGIONS = ['eu-west-1', 'us-east-1'];

type Sample = { name: string; labels: Record<string, string>; value: number };
function parseMetrics(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not Prometheus text format: ${line}`);
      const labels = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]),
      );
      const raw = m[3] ?? '';
      const value =
        raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
      return { name: m[1] ?? '', labels, value };
    });
}
const sum = (samples: Sample[], name: string, where: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);

describe('the metrics endpoint of a running worker', () => {
  let emulator: AwsEmulator;
  let app: App;
  let worker: ChildProcess;
  let base: string;
  const stderr: string[] = [];

  beforeAll(async () => {
    const fleet = new Fleet({ seed: 7 });
    fleet.addAccount({ id: ACCOUNT, regions: REGIONS });
    for (const region of REGIONS)
      for (let i = 0; i < 3; i++)
        fleet.addInstance({ accountId: ACCOUNT, region, launchTime: new Date(Date.now() - 40 * 86_400_000) });
    emulator = await startAwsEmulator({
      fleet,
      // two Describe calls at once per account x region, then 3 a second: the scan is throttled and retries
      throttle: { ec2Describe: { burst: 2, refillPerSecond: 3 } },
    });
    // a brief CloudWatch outage (two 503 answers): the SDK retries past it
    emulator.setOperationFault('monitoring:GetMetricData', 'unavailable', 2);
    const file = join(mkdtempSync(join(tmpdir(), 'imds-metrics-')), 'workflow.yaml');
    writeFileSync(
      file,
      stringify({
        version: 1,
        name: 'metrics-test',
        scope: {
          accounts: [{ id: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner` }],
          regions: REGIONS,
        },
      }),
    );
    const env = {
      ...(process.env as Record<string, string>),
      ...testEnv(),
      WORKFLOW_FILE: file,
      METRICS_PORT: '0',
      ...hubEnv(emulator.url),
    };
    delete (env as Record<string, string | undefined>).SLACK_BOT_TOKEN;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: emulator.url,
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
    });
    worker = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'worker'], { env });
    const port = await new Promise<string>((resolve, reject) => {
      worker.stderr?.on('data', (d: Buffer) => {
        stderr.push(d.toString());
        const m = /metrics on :(\d+)/.exec(stderr.join(''));
        if (m?.[1]) resolve(m[1]);
      });
      worker.once('exit', (code) => reject(new Error(`worker exited ${code}: ${stderr.join('')}`)));
    });
    base = `http://127.0.0.1:${port}`;
    // this process only requests the scan: the worker process runs it
    app = await createApp({ env, log: silentLogger() });
    const { scanId } = await app.requestScan({ kind: 'cli', by: 'test' });
    await app.waitForScan(scanId);
  });

  afterAll(async () => {
    worker?.kill('SIGTERM');
    await new Promise((r) => worker?.once('exit', r));
    await app?.close();
    await emulator?.close();
  });

  it('answers /healthz and /readyz: Redis answers, the workers run', async () => {
    const live = await fetch(`${base}/healthz`);
    const ready = await fetch(`${base}/readyz`);

    expect(live.status).toBe(200);
    expect([ready.status, await ready.json()]).toEqual([
      200,
      { ok: true, checks: { redis: 'ok', workers: 'ok' } },
    ]);
  });

  it('counts the scan: scope jobs completed, each scope ok with its instances and duration', async () => {
    const res = await fetch(`${base}/metrics`);
    const m = parseMetrics(await res.text());

    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sum(m, 'imds_bot_jobs_total', { queue: 'scan-scope', outcome: 'completed' })).toBe(REGIONS.length);
    expect(sum(m, 'imds_bot_jobs_total', { queue: 'scan', outcome: 'completed' })).toBe(1);
    for (const region of REGIONS) {
      expect(sum(m, 'imds_bot_scope_instances', { account: ACCOUNT, region })).toBe(3);
      expect(sum(m, 'imds_bot_scope_scans_total', { account: ACCOUNT, region, result: 'ok' })).toBe(1);
      expect(
        sum(m, 'imds_bot_scope_last_scan_duration_seconds', { account: ACCOUNT, region }),
      ).toBeGreaterThan(0);
    }
    expect(sum(m, 'imds_bot_scope_scan_duration_seconds_count')).toBe(REGIONS.length);
  });

  it('counts every AWS attempt by service, operation and outcome: the emulator saw the same', async () => {
    const worker = parseMetrics(await (await fetch(`${base}/metrics`)).text());
    // planning ran in this process (AssumeRole before the jobs): its own counters hold those calls
    const here = parseMetrics(await app.observability.registry.metrics());
    const both = (where: Record<string, string>) =>
      sum(worker, 'imds_bot_aws_calls_total', where) + sum(here, 'imds_bot_aws_calls_total', where);
    const seen = emulator.stats();

    expect(
      sum(worker, 'imds_bot_aws_calls_total', {
        service: 'ec2',
        operation: 'DescribeInstances',
        outcome: 'ok',
      }),
    ).toBe(REGIONS.length);
    expect(both({})).toBe(seen.calls);
    expect(both({ outcome: 'throttled' })).toBe(seen.throttled);
    expect(both({ service: 'cloudwatch', operation: 'GetMetricData', outcome: '5xx' })).toBe(2);
  });

  it('reads the shared state from Redis: queues drained, no change request, empty audit chain', async () => {
    const m = parseMetrics(await (await fetch(`${base}/metrics`)).text());

    expect(m.filter((s) => s.name === 'imds_bot_queue_jobs' && s.labels.queue === 'scan-scope').length).toBe(
      6,
    );
    expect(sum(m, 'imds_bot_queue_jobs', { queue: 'scan-scope', state: 'waiting' })).toBe(0);
    expect(sum(m, 'imds_bot_queue_oldest_waiting_seconds', { queue: 'scan-scope' })).toBe(0);
    expect(m.filter((s) => s.name === 'imds_bot_change_requests').map((s) => s.labels.state)).toContain(
      'requested',
    );
    expect(sum(m, 'imds_bot_change_requests')).toBe(0);
    expect(sum(m, 'imds_bot_audit_chain_length')).toBe(0);
    expect(sum(m, 'imds_bot_audit_last_anchor_age_seconds')).toBe(Number.POSITIVE_INFINITY);
    expect(sum(m, 'imds_bot_workers_running', { queue: 'scan-scope' })).toBe(1);
  });

  it('answers 404 with the paths it has, and refuses other methods', async () => {
    const missing = await fetch(`${base}/nope`);
    const post = await fetch(`${base}/metrics`, { method: 'POST' });

    expect([missing.status, await missing.text()]).toEqual([404, 'not found: /metrics, /healthz, /readyz\n']);
    expect(post.status).toBe(405);
  });
});

describe('AWS call outcomes on the wire', () => {
  let emulator: AwsEmulator;

  beforeAll(async () => {
    const fleet = new Fleet({ seed: 3 });
    fleet.addAccount({ id: ACCOUNT, regions: ['eu-west-1'] });
    // one Describe call, then (nearly) never a token again: the second call is throttled
    emulator = await startAwsEmulator({
      fleet,
      throttle: { ec2Describe: { burst: 1, refillPerSecond: 0.001 } },
    });
  });
  afterAll(() => emulator?.close());

  it('reads ok, throttled, 5xx and other from what the SDK got back', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const ec2 = countAwsCalls(
      new EC2Client({
        region: 'eu-west-1',
        endpoint: emulator.url,
        maxAttempts: 1,
        credentials: { accessKeyId: 'TESTKEY-HUBTESTKEY000001', secretAccessKey: 'hub-secret' },
      }),
      metrics,
    );
    const call = () => ec2.send(new DescribeInstancesCommand({ MaxResults: 5 })).catch(() => null);
    const outcomes = async () =>
      (await metrics.awsCalls.get()).values.map((v) => [v.labels.operation, v.labels.outcome, v.value]);

    await call();
    await call();
    emulator.setOperationFault('ec2:DescribeRegions', 'unavailable', 1);
    emulator.setOperationFault('ec2:DescribeLaunchTemplates', 'access-denied', 1);
    await ec2.send(new DescribeRegionsCommand({})).catch(() => null);
    await ec2.send(new DescribeLaunchTemplatesCommand({})).catch(() => null);

    expect(await outcomes()).toEqual([
      ['DescribeInstances', 'ok', 1],
      ['DescribeInstances', 'throttled', 1],
      ['DescribeRegions', '5xx', 1],
      ['DescribeLaunchTemplates', 'other', 1],
    ]);
  });
});
