import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { Scope, Usage } from '../../domain/findings/model.js';
import { classifyAwsError } from './errors.js';
import { getMetricDataCommand } from './fast-reads.js';

/** GetMetricData limits: 500 queries and 100,800 datapoints a call. */
export const MAX_QUERIES_PER_CALL = 500;
const MAX_DATAPOINTS_PER_CALL = 100_800;
const POINTS_PER_QUERY = Math.floor(MAX_DATAPOINTS_PER_CALL / MAX_QUERIES_PER_CALL) - 1; // 200

export type ImdsMetric = 'MetadataNoToken' | 'MetadataNoTokenRejected';

/**
 * The period that keeps a full batch of 500 queries within the datapoint limit. CloudWatch keeps
 * 5-minute data for 15 days and hourly data beyond, so longer windows use whole hours.
 */
export function periodFor(windowDays: number): number {
  const step = windowDays > 15 ? 3600 : 300;
  const seconds = windowDays * 86_400;
  return Math.max(step, Math.ceil(seconds / POINTS_PER_QUERY / step) * step);
}

export interface UsageWindow {
  windowDays: number;
  now: Date;
  /** include the period still in progress (for alerts, where minutes matter more than stable buckets) */
  includeCurrent?: boolean;
}

/** The window aligned to whole periods so consecutive scans see the same buckets. */
export function windowOf({ windowDays, now, includeCurrent = false }: UsageWindow) {
  const period = periodFor(windowDays);
  const round = includeCurrent ? Math.ceil : Math.floor;
  const end = round(now.getTime() / 1000 / period) * period;
  const start = end - Math.ceil((windowDays * 86_400) / period) * period;
  return { period, start: new Date(start * 1000), end: new Date(end * 1000) };
}

function query(id: string, instanceId: string, metric: ImdsMetric, period: number): MetricDataQuery {
  return {
    Id: id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/EC2',
        MetricName: metric,
        Dimensions: [{ Name: 'InstanceId', Value: instanceId }],
      },
      Period: period,
      Stat: 'Sum',
    },
  };
}

async function readBatch(
  cw: CloudWatchClient,
  ids: string[],
  metric: ImdsMetric,
  win: ReturnType<typeof windowOf>,
): Promise<Map<string, Usage>> {
  const usage = new Map<string, Usage>(
    ids.map((id) => [id, { noTokenCalls: 0, lastSeen: null, datapoints: 0 }]),
  );
  const queries = ids.map((id, i) => query(`q${i}`, id, metric, win.period));
  let nextToken: string | undefined;
  do {
    // read by our reader where the client has it (fast-reads.ts), by the SDK otherwise
    const out = await cw.send(
      getMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: win.start,
        EndTime: win.end,
        ScanBy: 'TimestampDescending',
        NextToken: nextToken,
      }),
    );
    for (const r of out.MetricDataResults ?? []) {
      const id = ids[Number(r.Id?.slice(1))];
      const u = id === undefined ? undefined : usage.get(id);
      if (!u) continue;
      addPoints(u, r.Timestamps ?? [], r.Values ?? []);
    }
    nextToken = out.NextToken;
  } while (nextToken);
  return usage;
}

/** Adds one result's points; the latest non-zero period becomes an ISO string once, not per point. */
function addPoints(u: Usage, timestamps: Date[], values: number[]): void {
  let latest = u.lastSeen === null ? Number.NEGATIVE_INFINITY : Date.parse(u.lastSeen);
  let found: Date | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    u.datapoints += 1;
    if (v <= 0) continue;
    u.noTokenCalls += v;
    const at = timestamps[i];
    if (at !== undefined && at.getTime() > latest) {
      latest = at.getTime();
      found = at;
    }
  }
  if (found !== null) u.lastSeen = found.toISOString();
}

export function createUsageReader() {
  return {
    /** Sum and last non-zero period of `metric` for each instance: ceil(n / 500) calls. */
    async read(
      cw: CloudWatchClient,
      scope: Scope,
      instanceIds: string[],
      win: UsageWindow,
      metric: ImdsMetric = 'MetadataNoToken',
    ) {
      const result = new Map<string, Usage>();
      if (instanceIds.length === 0) return result;
      const w = windowOf(win);
      for (let i = 0; i < instanceIds.length; i += MAX_QUERIES_PER_CALL) {
        const batch = instanceIds.slice(i, i + MAX_QUERIES_PER_CALL);
        try {
          for (const [id, u] of await readBatch(cw, batch, metric, w)) result.set(id, u);
        } catch (err) {
          throw classifyAwsError(err, `GetMetricData ${metric} in ${scope.accountId}/${scope.region}`);
        }
      }
      return result;
    },
  };
}
export type UsageReader = ReturnType<typeof createUsageReader>;
