import { describe, expect, it } from 'vitest';
import { finishScan } from '../../src/app/scan/finish-scan.js';
import { requestScan } from '../../src/app/scan/request-scan.js';
import { runScopeJob, type ScanScopeDeps } from '../../src/app/scan/scan-scope.js';
import { waitForScan } from '../../src/app/scan/wait-for-scan.js';
import { Workflow } from '../../src/config/workflow-schema.js';
import { awsErrorCode, CodedError } from '../../src/domain/errors.js';
import type { ScanJobData, ScanOutcome, ScopeJobData, ScopeResult } from '../../src/domain/findings/scan.js';
import { summarize } from '../../src/domain/findings/summary.js';
import type { ScopePlan } from '../../src/domain/ports/inventory.js';
import { FULL_WINDOW_DATAPOINTS, makeInstance, makeUsage } from '../support/factories.js';
import { createMemoryFindingsStore } from '../support/fakes/findings-store.js';
import { memoryLogger } from '../support/fakes/logger.js';
import { createMemoryScanLocks } from '../support/fakes/scan-locks.js';
import { createMemoryScanQueue } from '../support/fakes/scan-queue.js';
import { createMemoryScopeProgress } from '../support/fakes/scope-progress.js';
import { type FakeScope, fakeScopeReaders } from '../support/fakes/scope-readers.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const T0 = new Date('2026-03-01T10:00:00.000Z');
const hours = (h: number) => new Date(T0.getTime() + h * 3_600_000);

const workflow = Workflow.parse({
  version: 1,
  name: 'fleet',
  scope: { accounts: [{ id: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/imds` }], regions: [REGION] },
});

const job = (scanId = 'scan-1'): ScopeJobData => ({
  scanId,
  account: { accountId: ACCOUNT, roleArn: null },
  region: REGION,
  settings: { ownerTags: ['owner'], environment: { tag: 'env', prodValues: ['prod'] }, windowDays: 14 },
});

/** A scope's deps over in-memory fakes; `fleet` may change between scans. */
function scopeRig(fleet: FakeScope) {
  const store = createMemoryFindingsStore();
  const progress = createMemoryScopeProgress();
  const fake = fakeScopeReaders(fleet);
  let now = T0;
  const deps: ScanScopeDeps = { open: () => fake.readers, store, progress, now: () => now };
  return { deps, store, progress, calls: fake.calls, at: (d: Date) => (now = d) };
}

const quiet = makeUsage({ noTokenCalls: 0, datapoints: FULL_WINDOW_DATAPOINTS });

describe('scan of one account x region (against fakes)', () => {
  it('classifies, stores the snapshot and counts new laggards; a fix later is counted with its time', async () => {
    const laggard = makeInstance({ instanceId: 'i-1', accountId: ACCOUNT, region: REGION });
    const fleet: FakeScope = { instances: [laggard], usage: { 'i-1': quiet } };
    const rig = scopeRig(fleet);

    const first = await runScopeJob(rig.deps, job('scan-1'), { last: false });
    expect(first).toMatchObject({ accountId: ACCOUNT, region: REGION, firstScan: true, errors: [] });
    expect(first.summary.laggards).toBe(1);
    expect((await rig.store.getSnapshot({ accountId: ACCOUNT, region: REGION }))?.findings).toMatchObject([
      { instanceId: 'i-1', readiness: 'ready' },
    ]);

    fleet.instances = [{ ...laggard, metadata: { ...laggard.metadata, httpTokens: 'required' } }];
    rig.at(hours(2));
    const second = await runScopeJob(rig.deps, job('scan-2'), { last: false });
    expect(second.diff).toEqual({ new: 0, fixed: 1, regressed: 0, gone: 0 });
    expect(second.remediatedSeconds).toEqual([7200]);
    expect(second.summary.laggards).toBe(0);
  });

  it('keeps the instances when a part fails for good, and records it as a partial error', async () => {
    const rig = scopeRig({
      instances: [makeInstance({ instanceId: 'i-1' })],
      launchTemplates: async () => {
        throw new CodedError(
          awsErrorCode('UnauthorizedOperation'),
          'launch templates in 123456789012/eu-west-1: denied',
        );
      },
    });
    const result = await runScopeJob(rig.deps, job(), { last: false });
    expect(result.summary.instances).toBe(1);
    expect(result.errors).toEqual([
      {
        accountId: ACCOUNT,
        region: REGION,
        stage: 'launch-templates',
        code: 'UnauthorizedOperation',
        message: 'launch templates in 123456789012/eu-west-1: denied',
        partial: true,
      },
    ]);
  });

  it('a transient inventory failure is retried; the next attempt reuses the parts already read', async () => {
    let failures = 1;
    const rig = scopeRig({
      instances: async () => {
        if (failures-- > 0)
          throw new CodedError(awsErrorCode('RequestLimitExceeded'), 'throttled', { transient: true });
        return [makeInstance({ instanceId: 'i-1' })];
      },
    });
    await expect(runScopeJob(rig.deps, job(), { last: false })).rejects.toThrow('throttled');
    expect(rig.progress.saved.size).toBe(1);
    expect(rig.calls).toMatchObject({ instances: 1, launchTemplates: 1, accountDefault: 1 });

    const result = await runScopeJob(rig.deps, job(), { last: false });
    expect(result.summary.instances).toBe(1);
    // launch templates and the account default came from the saved progress, not from AWS again
    expect(rig.calls).toMatchObject({ instances: 2, launchTemplates: 1, accountDefault: 1 });
    expect(rig.progress.saved.size).toBe(0);
  });

  it('a permanent failure, or the last attempt of a transient one, becomes the scope result', async () => {
    const denied = scopeRig({
      instances: async () => {
        throw new CodedError(awsErrorCode('AccessDenied'), 'DescribeInstances: denied');
      },
    });
    const result = await runScopeJob(denied.deps, job(), { last: false });
    expect(result.errors).toMatchObject([{ stage: 'inventory', code: 'AccessDenied', partial: false }]);
    expect(result.summary).toEqual(summarize([], result.errors));

    const throttled = scopeRig({
      instances: async () => {
        throw new CodedError(awsErrorCode('RequestLimitExceeded'), 'throttled', { transient: true });
      },
    });
    const last = await runScopeJob(throttled.deps, job(), { last: true });
    expect(last.errors).toMatchObject([{ code: 'RequestLimitExceeded', message: 'throttled' }]);
  });
});

const plan = (regions = [REGION, 'us-east-1']): ScopePlan => ({
  targets: [{ account: { accountId: ACCOUNT, roleArn: null }, regions }],
  errors: [],
  notes: [],
});

function requestRig(planned: () => Promise<ScopePlan> = async () => plan()) {
  const q = createMemoryScanQueue();
  const locks = createMemoryScanLocks({ now: () => T0.getTime() });
  const log = memoryLogger();
  const deps = { queue: q.queue, locks, plan: planned, log, now: () => T0 };
  return { deps, ...q, locks, log };
}

describe('requesting a scan (against fakes)', () => {
  it('enqueues one job per account x region and joins the scan already running', async () => {
    const rig = requestRig();
    const first = await requestScan(rig.deps, workflow, { kind: 'cli', by: null });
    const second = await requestScan(rig.deps, workflow, { kind: 'slack', by: 'U1' });

    expect(first).toMatchObject({ joined: false, lockId: 'fleet:*:*' });
    expect(second).toEqual({ scanId: first.scanId, joined: true, lockId: 'fleet:*:*' });
    expect(rig.enqueued).toHaveLength(1);
    expect(rig.enqueued[0]?.scan).toMatchObject({
      scanId: first.scanId,
      scopes: [
        { accountId: ACCOUNT, region: REGION },
        { accountId: ACCOUNT, region: 'us-east-1' },
      ],
      filter: null,
      trigger: { kind: 'cli', by: null },
    });
    expect(rig.enqueued[0]?.scopes.map((s) => s.region)).toEqual([REGION, 'us-east-1']);
  });

  it('takes over the lock of a scan that has ended without releasing it', async () => {
    const rig = requestRig();
    const first = await requestScan(rig.deps, workflow, { kind: 'cli', by: null });
    rig.states.set(first.scanId, { state: 'completed', returnValue: {} });
    const second = await requestScan(rig.deps, workflow, { kind: 'cli', by: null });
    expect(second.joined).toBe(false);
    expect(second.scanId).not.toBe(first.scanId);
    expect(rig.log.lines.map((l) => l.msg)).toEqual([
      'scan started',
      'taking over a stale scan lock',
      'scan started',
    ]);
  });

  it('releases the lock when planning fails', async () => {
    const rig = requestRig(async () => {
      throw new CodedError(awsErrorCode('AccessDenied'), 'GetCallerIdentity: denied');
    });
    await expect(requestScan(rig.deps, workflow, { kind: 'cli', by: null })).rejects.toThrow('denied');
    expect(await rig.locks.holder('fleet:*:*')).toBeNull();
    expect(rig.enqueued).toEqual([]);
  });
});

const scanData = (): ScanJobData => ({
  scanId: 'scan-1',
  workflow: 'fleet',
  lock: { id: 'fleet:*:*', holder: 'scan-1|0' },
  trigger: { kind: 'schedule', by: null },
  startedAt: T0.toISOString(),
  scopes: [
    { accountId: ACCOUNT, region: REGION },
    { accountId: ACCOUNT, region: 'us-east-1' },
  ],
  filter: null,
  planErrors: [],
  notes: ['regions: all skipped opt-in regions not enabled in account 123456789012: af-south-1'],
});

const scopeResult = (region: string, partial: Partial<ScopeResult> = {}): ScopeResult => ({
  accountId: ACCOUNT,
  region,
  summary: summarize([], []),
  diff: { new: 1, fixed: 2, regressed: 0, gone: 0 },
  firstScan: false,
  remediatedSeconds: [100, 300],
  rejections: [],
  errors: [],
  ...partial,
});

describe('finishing a scan (against fakes)', () => {
  it('sums the scopes, records history, releases the lock and tells the hook', async () => {
    const store = createMemoryFindingsStore();
    const locks = createMemoryScanLocks();
    await locks.acquire('fleet:*:*', 'scan-1|0');
    const told: ScanOutcome[] = [];
    const deps = {
      store,
      locks,
      log: memoryLogger(),
      now: () => hours(1),
      onFinished: async (o: ScanOutcome) => {
        told.push(o);
      },
    };
    const outcome = await finishScan(
      deps,
      scanData(),
      [scopeResult(REGION), scopeResult('us-east-1', { remediatedSeconds: [200] })],
      [{ scope: { accountId: ACCOUNT, region: 'ap-south-1' }, reason: 'attempts exhausted' }],
    );

    expect(outcome).toMatchObject({
      finishedAt: hours(1).toISOString(),
      diff: { new: 2, fixed: 4, regressed: 0, gone: 0 },
      mttrSeconds: 200,
      remediated: 3,
      notes: scanData().notes,
      errors: [{ accountId: ACCOUNT, region: 'ap-south-1', stage: 'internal', code: 'RetriesExhausted' }],
    });
    expect(told).toEqual([outcome]);
    expect(await locks.holder('fleet:*:*')).toBeNull();
    const [history] = await store.recentScans();
    expect(history).toMatchObject({
      scanId: 'scan-1',
      scopes: [`${ACCOUNT}:${REGION}`, `${ACCOUNT}:us-east-1`],
    });
    expect(history).not.toHaveProperty('notes');
  });

  it('a failing after-scan hook is logged, and the scan still finishes', async () => {
    const log = memoryLogger();
    const deps = {
      store: createMemoryFindingsStore(),
      locks: createMemoryScanLocks(),
      log,
      onFinished: async () => {
        throw new Error('slack is down');
      },
    };
    const outcome = await finishScan(deps, scanData(), [], []);
    expect(outcome.firstScan).toBe(false);
    expect(log.lines.at(-1)).toEqual({
      level: 'error',
      msg: 'after-scan hook failed',
      meta: { err: 'slack is down' },
    });
  });
});

describe('waiting for a scan (against fakes)', () => {
  it('gives the outcome of a finished scan, and the reason of a failed one', async () => {
    const q = createMemoryScanQueue();
    const locks = createMemoryScanLocks();
    const outcome = await finishScan(
      { store: createMemoryFindingsStore(), locks, log: memoryLogger() },
      scanData(),
      [],
      [],
    );
    q.states.set('scan-1', { state: 'completed', returnValue: outcome });
    q.states.set('scan-2', { state: 'failed', reason: 'boom' });
    expect(await waitForScan({ queue: q.queue, locks }, 'scan-1')).toEqual(outcome);
    await expect(waitForScan({ queue: q.queue, locks }, 'scan-2')).rejects.toThrow(
      'scan scan-2 failed: boom',
    );
    await expect(waitForScan({ queue: q.queue, locks }, 'scan-3')).rejects.toThrow('is not known');
  });

  it('follows a scan still planning while it holds the lock, and sees it finish by polling', async () => {
    const q = createMemoryScanQueue();
    const locks = createMemoryScanLocks();
    await locks.acquire('fleet:*:*', 'scan-1|0');
    const outcome = await finishScan(
      { store: createMemoryFindingsStore(), locks: createMemoryScanLocks(), log: memoryLogger() },
      scanData(),
      [],
      [],
    );
    const waiting = waitForScan({ queue: q.queue, locks }, 'scan-1', { lockId: 'fleet:*:*', pollMs: 5 });
    // the job appears only once planning is done; the waiter keeps following the lock until then
    await new Promise((r) => setTimeout(r, 50));
    await q.queue.enqueue(scanData(), []);
    q.states.set('scan-1', { state: 'completed', returnValue: outcome });
    expect(await waiting).toEqual(outcome);
  });
});
