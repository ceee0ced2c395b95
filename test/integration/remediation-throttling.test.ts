import { EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AwsEmulator,
  type AwsEmulatorOptions,
  Fleet,
  startAwsEmulator,
} from '../../sandbox/aws/index.js';
import { createRemediation } from '../../src/adapters/aws/remediation.js';
import { silentLogger } from '../../src/adapters/log.js';
import { budgetFor, createRateLimiter, rateKey } from '../../src/adapters/redis/rate-limit.js';
import { CodedError } from '../../src/domain/errors.js';
import type { RequiredOptions } from '../../src/domain/ports/remediation.js';
import { sdkConfig } from '../support/emulator-clients.js';
import { testRedis } from '../support/redis-prefix.js';

const REGION = 'eu-west-1';
const MODIFY = 'ec2:ModifyInstanceMetadataOptions';
const REQUIRED: RequiredOptions = {
  httpTokens: 'required',
  httpEndpoint: 'enabled',
  hopLimit: 1,
  instanceMetadataTags: 'disabled',
  httpProtocolIpv6: 'disabled',
};

const { redis, freshPrefix } = testRedis();
const prefix = freshPrefix();
let emulator: AwsEmulator | undefined;
const clients: EC2Client[] = [];

async function start(fleet: Fleet, opts: Partial<AwsEmulatorOptions>): Promise<AwsEmulator> {
  emulator = await startAwsEmulator({ fleet, metadataApplyDelayMs: 50, ...opts });
  return emulator;
}

function client(url: string, maxAttempts: number): EC2Client {
  const ec2 = new EC2Client({ ...sdkConfig(url), maxAttempts });
  clients.push(ec2);
  return ec2;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await emulator?.close();
  emulator = undefined;
});

describe('throttling', () => {
  const tight = { throttle: { ec2ModifyInstanceMetadataOptions: { burst: 1, refillPerSecond: 2 } } };
  const remediation = createRemediation({ log: silentLogger(), pollIntervalMs: 20 });

  it('is retried by the SDK (standard mode) until every change goes through', async () => {
    const fleet = new Fleet({ seed: 2 });
    const ids = [1, 2, 3].map(() => fleet.addInstance({ region: REGION }).instanceId);
    const aws = await start(fleet, tight);
    const ec2 = client(aws.url, 5);

    const results = await Promise.all(ids.map((id) => remediation.enforceInstance(ec2, id, REQUIRED)));

    expect(results.map((r) => r.changed)).toEqual([true, true, true]);
    expect(aws.stats().throttledByAction[MODIFY]).toBeGreaterThan(0);
  });

  it('comes out as a transient error, so the job retries, and the retry succeeds', async () => {
    const fleet = new Fleet({ seed: 3 });
    const [a, b] = [1, 2].map(() => fleet.addInstance({ region: REGION }).instanceId) as [string, string];
    const aws = await start(fleet, tight);
    const ec2 = client(aws.url, 1);
    await remediation.enforceInstance(ec2, a, REQUIRED);

    const error = await remediation.enforceInstance(ec2, b, REQUIRED).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 600)); // the job's backoff
    const retry = await remediation.enforceInstance(ec2, b, REQUIRED);

    expect(error).toBeInstanceOf(CodedError);
    expect([(error as CodedError).code, (error as CodedError).transient]).toEqual([
      'RequestLimitExceeded',
      true,
    ]);
    expect(retry.changed).toBe(true);
  });
});

/**
 * 300 enforcements in one account x region, 16 at a time (several workers), against the emulator's
 * default (EC2's) buckets. Every AWS call first takes a token from the shared limiter (beforeCall),
 * with the default budgets. Time runs SPEED times faster for everything (emulator, limiter,
 * polling): the ~55 s the budget needs take ~14 s here; SPEED = 1 runs it in real time. Without the
 * limiter the same run is throttled within seconds.
 */
describe('300 enforcements through the rate limiter', () => {
  const SPEED = 4;
  const WORKERS = 16;

  it('meet no RequestLimitExceeded with EC2 default throttling', { timeout: 180_000 }, async () => {
    const fleet = new Fleet({ seed: 4 });
    const ids = Array.from({ length: 300 }, () => fleet.addInstance({ region: REGION }).instanceId);
    const queue = [...ids];
    const realStart = Date.now();
    const clock = () => realStart + (Date.now() - realStart) * SPEED;
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms / SPEED));
    const aws = await start(fleet, { now: () => new Date(clock()), metadataApplyDelayMs: 300 });
    const ec2 = client(aws.url, 1);
    const limiter = createRateLimiter({ redis, prefix });
    const scope = { accountId: fleet.hubAccountId, region: REGION };
    const remediation = createRemediation({
      log: silentLogger(),
      sleep,
      now: clock,
      beforeCall: async (action) => {
        const budget = budgetFor(action);
        if (budget) await limiter.acquire(rateKey(action, scope), budget, { sleep, now: clock });
      },
    });

    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift())
        await remediation.enforceInstance(ec2, id, REQUIRED);
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const stats = aws.stats();

    const simulated = ((clock() - realStart) / 1000).toFixed(1);
    const real = ((Date.now() - realStart) / 1000).toFixed(1);
    console.log(
      `300 enforcements: ${simulated} s at EC2 speed (${real} s here, clock x${SPEED}); ` +
        `${stats.byAction['ec2:DescribeInstances']} DescribeInstances, ${stats.throttled} throttled`,
    );
    expect(stats.byAction[MODIFY]).toBe(300);
    expect(stats.throttled).toBe(0);
    expect(stats.errorsByCode.RequestLimitExceeded).toBeUndefined();
    expect(ids.filter((id) => fleet.instance(id)?.metadata.httpTokens !== 'required')).toEqual([]);
  });
});
