import { z } from 'zod';
import type { JsonAction, JsonCall } from '../context.js';
import { countDatapoints, type ImdsMetric, type Series, type SeriesWindow, series } from '../metrics.js';
import type { InstanceRecord } from '../types.js';
import { ApiError, invalidParameter, validationError } from '../wire/errors.js';
import { paginateResults, type ResultSeries } from './cloudwatch-pages.js';

export const MAX_QUERIES = 500;
export const MAX_DATAPOINTS = 100_800;

const MetricDataQuery = z.object({
  Id: z
    .string()
    .regex(/^[a-z][a-zA-Z0-9_]*$/, 'Id must start with a lowercase letter')
    .max(255),
  MetricStat: z
    .object({
      Metric: z.object({
        Namespace: z.string().optional(),
        MetricName: z.string().optional(),
        Dimensions: z.array(z.object({ Name: z.string(), Value: z.string() })).optional(),
      }),
      Period: z.number().int().positive(),
      Stat: z.string(),
      Unit: z.string().optional(),
    })
    .optional(),
  Expression: z.string().optional(),
  Label: z.string().optional(),
  ReturnData: z.boolean().optional(),
});
type MetricDataQuery = z.infer<typeof MetricDataQuery>;

const GetMetricDataRequest = z.object({
  MetricDataQueries: z.array(MetricDataQuery).min(1),
  StartTime: z.number(),
  EndTime: z.number(),
  NextToken: z.string().optional(),
  ScanBy: z.enum(['TimestampDescending', 'TimestampAscending']).optional(),
  MaxDatapoints: z.number().int().min(1).max(MAX_DATAPOINTS).optional(),
});
type GetMetricDataRequest = z.infer<typeof GetMetricDataRequest>;

const METRICS: readonly string[] = ['MetadataNoToken', 'MetadataNoTokenRejected'];

function parseRequest(body: unknown): GetMetricDataRequest {
  const queries = (body as { MetricDataQueries?: unknown } | null)?.MetricDataQueries;
  if (Array.isArray(queries) && queries.length > MAX_QUERIES) {
    throw validationError(
      `1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_QUERIES} (got ${queries.length})`,
    );
  }
  const parsed = GetMetricDataRequest.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw validationError(
      `1 validation error detected: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  if (parsed.data.StartTime >= parsed.data.EndTime) {
    throw validationError('The parameter StartTime must be less than the parameter EndTime.');
  }
  return parsed.data;
}

function checkQuery(q: MetricDataQuery): NonNullable<MetricDataQuery['MetricStat']> {
  if (!q.MetricStat) throw invalidParameter(`Query ${q.Id}: the emulator supports MetricStat queries only`);
  if (q.MetricStat.Period % 60 !== 0)
    throw invalidParameter(`Query ${q.Id}: the Period must be a multiple of 60`);
  if (q.MetricStat.Stat !== 'Sum')
    throw invalidParameter(`Query ${q.Id}: the emulator supports Stat Sum only`);
  return q.MetricStat;
}

interface Resolved {
  query: MetricDataQuery;
  instance: InstanceRecord | undefined;
  metric: ImdsMetric;
  window: SeriesWindow;
}

/** The instance a query names, when it is in the caller's account × region. */
function resolve(call: JsonCall, q: MetricDataQuery, request: GetMetricDataRequest): Resolved {
  const stat = checkQuery(q);
  const { Namespace, MetricName, Dimensions = [] } = stat.Metric;
  const dimension =
    Dimensions.length === 1 && Dimensions[0]?.Name === 'InstanceId' ? Dimensions[0].Value : undefined;
  const known = Namespace === 'AWS/EC2' && METRICS.includes(MetricName ?? '') && dimension !== undefined;
  const found = known ? call.fleet.instance(dimension) : undefined;
  const mine = found?.accountId === call.principal.accountId && found.region === call.region;
  const window: SeriesWindow = {
    startSec: Math.floor(request.StartTime / 60) * 60,
    endSec: request.EndTime,
    periodSec: stat.Period,
    nowSec: call.now / 1000,
  };
  return { query: q, instance: mine ? found : undefined, metric: MetricName as ImdsMetric, window };
}

function checkUnique(queries: readonly MetricDataQuery[]): void {
  const seen = new Set<string>();
  for (const q of queries) {
    if (seen.has(q.Id)) throw validationError(`The value ${q.Id} for field Id is not unique.`);
    seen.add(q.Id);
  }
}

function seriesOf(r: Resolved, descending: boolean): Series {
  const s = r.instance ? series(r.instance, r.metric, r.window) : { timestamps: [], values: [] };
  if (descending) {
    s.timestamps.reverse();
    s.values.reverse();
  }
  return s;
}

const getMetricData: JsonAction = (call) => {
  const request = parseRequest(call.body);
  checkUnique(request.MetricDataQueries);
  const resolved = request.MetricDataQueries.map((q) => resolve(call, q, request)).filter(
    (r) => r.query.ReturnData !== false,
  );
  const total = resolved.reduce(
    (sum, r) => sum + (r.instance ? countDatapoints(r.instance, r.metric, r.window) : 0),
    0,
  );
  if (total > MAX_DATAPOINTS && call.settings.metricDataOverLimit === 'error') {
    throw new ApiError(
      'InvalidParameterCombination',
      `GetMetricData would return ${total} datapoints; at most ${MAX_DATAPOINTS} are allowed per call. Use fewer queries, a shorter time range or a longer Period.`,
    );
  }
  const descending = (request.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
  const results: ResultSeries[] = resolved.map((r) => ({
    id: r.query.Id,
    label: r.query.Label ?? r.query.MetricStat?.Metric.MetricName ?? r.query.Id,
    ...seriesOf(r, descending),
  }));
  const fingerprint = JSON.stringify({ ...request, NextToken: undefined, MaxDatapoints: undefined });
  return paginateResults(results, request.NextToken, fingerprint, request.MaxDatapoints ?? MAX_DATAPOINTS);
};

export const cloudWatchActions: Record<string, JsonAction> = {
  GetMetricData: getMetricData,
};
