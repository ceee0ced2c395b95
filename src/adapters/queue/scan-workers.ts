import { type Job, UnrecoverableError, Worker } from 'bullmq';
import {
  type ScanScopeDeps,
  ScopeJobData,
  ScopeResult,
  scanScope,
  scopeOfJobId,
} from '../../app/scan/scan-scope.js';
import { CodedError, errorMessage } from '../../domain/errors.js';
import type { ScanError } from '../../domain/findings/model.js';
import { mergeSummaries, summarize } from '../../domain/findings/summary.js';
import { scanErrorOf } from '../aws/errors.js';
import type { Logger } from '../log.js';
import type { FindingsStore } from '../redis/findings.js';
import type { ScanLocks } from '../redis/scan-lock.js';
import { QUEUE, type QueueDeps, ScanJobData, type ScanOutcome } from './scan-queues.js';

export interface ScanWorkerDeps extends QueueDeps {
  scope: ScanScopeDeps;
  store: FindingsStore;
  locks: ScanLocks;
  log: Logger;
  concurrency: number;
  now?: () => Date;
  /** told about every finished scan (e.g. the Slack app posts regressions at once); errors are logged */
  onFinished?: (outcome: ScanOutcome) => Promise<void>;
}

/** A scope that failed for good still yields a result: its error, and nothing scanned. */
function failedScope(data: ScopeJobData, err: CodedError): ScopeResult {
  const error = scanErrorOf({ accountId: data.account.accountId, region: data.region }, 'inventory', err);
  return {
    accountId: data.account.accountId,
    region: data.region,
    summary: summarize([], [error]),
    diff: { new: 0, fixed: 0, regressed: 0, gone: 0 },
    firstScan: false,
    remediatedSeconds: [],
    rejections: [],
    errors: [error],
  };
}

export async function processScope(
  deps: ScanScopeDeps,
  job: Pick<Job, 'data' | 'attemptsMade' | 'opts'>,
): Promise<ScopeResult> {
  const parsed = ScopeJobData.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`bad scope job data: ${parsed.error.message}`);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  try {
    return await scanScope(deps, parsed.data);
  } catch (err) {
    // the last attempt of a transient AWS failure says what failed, not "retries exhausted"
    if (err instanceof CodedError && (!err.transient || lastAttempt)) return failedScope(parsed.data, err);
    throw err; // transient (throttling, 5xx, network) or unexpected: bullmq retries with backoff
  }
}

/** The parent: every child has finished (or failed for good); sum up, record history, unlock. */
export async function processScan(
  deps: Pick<ScanWorkerDeps, 'store' | 'locks' | 'log' | 'now' | 'onFinished'>,
  job: Job,
): Promise<ScanOutcome> {
  const data = ScanJobData.parse(job.data);
  const results = Object.values(await job.getChildrenValues()).map((v) => ScopeResult.parse(v));
  const lost = Object.entries(await job.getIgnoredChildrenFailures()).map(([key, reason]): ScanError => {
    const scope = scopeOfJobId(key.split(':').pop() ?? key);
    return {
      accountId: scope?.accountId ?? 'unknown',
      region: scope?.region ?? null,
      stage: 'internal',
      code: 'RetriesExhausted',
      message: reason,
      partial: false,
    };
  });
  const errors = [...data.planErrors, ...results.flatMap((r) => r.errors), ...lost];
  const remediated = results.flatMap((r) => r.remediatedSeconds);
  const outcome: ScanOutcome = {
    scanId: data.scanId,
    workflow: data.workflow,
    trigger: data.trigger,
    startedAt: data.startedAt,
    finishedAt: (deps.now?.() ?? new Date()).toISOString(),
    scopes: data.scopes,
    summary: mergeSummaries(
      results.map((r) => r.summary),
      errors,
    ),
    diff: results.reduce(
      (d, r) => ({
        new: d.new + r.diff.new,
        fixed: d.fixed + r.diff.fixed,
        regressed: d.regressed + r.diff.regressed,
        gone: d.gone + r.diff.gone,
      }),
      { new: 0, fixed: 0, regressed: 0, gone: 0 },
    ),
    firstScan: results.length > 0 && results.every((r) => r.firstScan),
    mttrSeconds:
      remediated.length === 0 ? null : Math.round(remediated.reduce((a, b) => a + b, 0) / remediated.length),
    remediated: remediated.length,
    rejections: results.flatMap((r) => r.rejections),
    errors,
    ...(data.notes.length > 0 ? { notes: data.notes } : {}),
  };
  const { rejections: _told, notes: _planning, ...record } = outcome;
  await deps.store.appendScan({
    filter: data.filter,
    ...record,
    scopes: outcome.scopes.map((s) => `${s.accountId}:${s.region}`),
    summary: outcome.summary,
  });
  await deps.locks.release(data.lock.id, data.lock.holder);
  deps.log.info(
    { scanId: data.scanId, laggards: outcome.summary.laggards, errors: errors.length },
    'scan finished',
  );
  await deps
    .onFinished?.(outcome)
    .catch((err: unknown) => deps.log.error({ err: errorMessage(err) }, 'after-scan hook failed'));
  return outcome;
}

/** The scan workers of one process: account x region jobs (bounded concurrency) and parents. */
export function startScanWorkers(deps: ScanWorkerDeps) {
  const bull = { prefix: `${deps.prefix}:bull` };
  const scopeWorker = new Worker(QUEUE.scope, (job) => processScope(deps.scope, job), {
    ...bull,
    connection: deps.connect('scope-worker'),
    concurrency: deps.concurrency,
  });
  const scanWorker = new Worker(QUEUE.scan, (job) => processScan(deps, job), {
    ...bull,
    connection: deps.connect('scan-worker'),
  });
  for (const w of [scopeWorker, scanWorker]) {
    w.on('error', deps.onError);
    w.on('failed', (job, err) =>
      deps.log.warn(
        { jobId: job?.id, attempts: job?.attemptsMade, err: errorMessage(err), queue: w.name },
        'job attempt failed',
      ),
    );
  }
  return {
    workers: [scopeWorker, scanWorker],
    async close(): Promise<void> {
      await Promise.all([scopeWorker.close(), scanWorker.close()]);
    },
  };
}
