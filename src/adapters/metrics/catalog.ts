import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { ChangeState } from '../../domain/change/request-schema.js';

/**
 * Every Prometheus metric imds-bot exports, in one place: the Grafana dashboard
 * (deploy/grafana) and the alert rules (deploy/prometheus) use exactly these names, and
 * test/unit/metrics-catalog.test.ts checks that they do. Gauges that describe shared state
 * (queues, change requests, the audit chain) are read from Redis at scrape time, so every replica
 * reports the same value: aggregate them with max(), not sum(). Counters are per process: sum().
 */
export const METRICS = {
  queueDepth: {
    name: 'imds_bot_queue_jobs',
    help: 'Jobs in a BullMQ queue by state (read from Redis at scrape time)',
    labelNames: ['queue', 'state'],
    values: { state: ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed'] },
  },
  queueOldestAge: {
    name: 'imds_bot_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting in a queue, 0 when none waits (read from Redis at scrape time)',
    labelNames: ['queue'],
  },
  jobs: {
    name: 'imds_bot_jobs_total',
    help: 'Job attempts finished by this process: completed, retried (will run again) or failed (for good)',
    labelNames: ['queue', 'outcome'],
    values: { outcome: ['completed', 'retried', 'failed'] },
  },
  scanDuration: {
    name: 'imds_bot_scope_scan_duration_seconds',
    help: 'Time one account x region scan job took (all scopes)',
    labelNames: [],
  },
  scopeLastDuration: {
    name: 'imds_bot_scope_last_scan_duration_seconds',
    help: 'Duration of the last scan of an account x region seen by this process',
    labelNames: ['account', 'region'],
  },
  scopeInstances: {
    name: 'imds_bot_scope_instances',
    help: 'Instances found by the last scan of an account x region seen by this process',
    labelNames: ['account', 'region'],
  },
  scopeScans: {
    name: 'imds_bot_scope_scans_total',
    help: 'Account x region scans by result: ok, partial (some part unreadable) or failed (nothing read)',
    labelNames: ['account', 'region', 'result'],
    values: { result: ['ok', 'partial', 'failed'] },
  },
  awsCalls: {
    name: 'imds_bot_aws_calls_total',
    help: 'AWS API attempts (SDK retries included) by service, operation and outcome: ok, throttled, 5xx, other',
    labelNames: ['service', 'operation', 'outcome'],
    values: { outcome: ['ok', 'throttled', '5xx', 'other'] },
  },
  slackCalls: {
    name: 'imds_bot_slack_calls_total',
    help: 'Slack Web API calls by method and outcome: ok, rate_limited (HTTP 429), error',
    labelNames: ['method', 'outcome'],
    values: { outcome: ['ok', 'rate_limited', 'error'] },
  },
  changeRequests: {
    name: 'imds_bot_change_requests',
    help: 'Change requests by state (read from Redis at scrape time)',
    labelNames: ['state'],
    values: { state: ChangeState.options },
  },
  rateLimiterWaits: {
    name: 'imds_bot_rate_limiter_waits_total',
    help: 'Times a change waited for a token of the shared AWS rate limiter, by action',
    labelNames: ['action'],
  },
  rateLimiterWaitSeconds: {
    name: 'imds_bot_rate_limiter_wait_seconds_total',
    help: 'Seconds changes waited for tokens of the shared AWS rate limiter, by action',
    labelNames: ['action'],
  },
  auditLength: {
    name: 'imds_bot_audit_chain_length',
    help: 'Sequence number of the audit chain head: entries ever written (read from Redis at scrape time)',
    labelNames: [],
  },
  auditUnanchored: {
    name: 'imds_bot_audit_unanchored_entries',
    help: 'Audit entries written since the last anchor (all of them when there is no anchor yet)',
    labelNames: [],
  },
  auditAnchorAge: {
    name: 'imds_bot_audit_last_anchor_age_seconds',
    help: 'Seconds since the last audit anchor; +Inf when the chain was never anchored',
    labelNames: [],
  },
  securityHubExports: {
    name: 'imds_bot_security_hub_exports_total',
    help: 'Exports of a scan to Security Hub by result: ok, partial (some findings refused or a batch failed) or failed (nothing sent)',
    labelNames: ['result'],
    values: { result: ['ok', 'partial', 'failed'] },
  },
  securityHubFindings: {
    name: 'imds_bot_security_hub_findings_total',
    help: 'Findings sent to Security Hub by outcome: imported, refused (in FailedFindings) or unsent (their batch failed)',
    labelNames: ['outcome'],
    values: { outcome: ['imported', 'refused', 'unsent'] },
  },
  driftMessages: {
    name: 'imds_bot_drift_messages_total',
    help: 'Drift feed SQS messages: received, then handled, duplicate, ignored, retried (left for later) or failed (dead-letter queue or dropped)',
    labelNames: ['outcome'],
    values: { outcome: ['received', 'handled', 'duplicate', 'ignored', 'retried', 'failed'] },
  },
  driftReceiveErrors: {
    name: 'imds_bot_drift_receive_errors_total',
    help: 'Drift feed ReceiveMessage calls that failed (after the SDK retries); the consumer backs off',
    labelNames: [],
  },
  driftLag: {
    name: 'imds_bot_drift_lag_seconds',
    help: 'Time from a RunInstances / ModifyInstanceMetadataOptions call (CloudTrail eventTime) to its finding being updated',
    labelNames: [],
  },
  workersRunning: {
    name: 'imds_bot_workers_running',
    help: 'BullMQ workers of this process that are running, by queue',
    labelNames: ['queue'],
  },
} as const satisfies Record<string, MetricSpec>;

interface MetricSpec {
  name: string;
  help: string;
  labelNames: readonly string[];
  /** the values the code gives an enumerated label (dashboards and alerts may only match these) */
  values?: Record<string, readonly string[]>;
}

/** The value of an enumerated label, typed from the catalog. */
export type LabelValue<K extends MetricKey, L extends string> = (typeof METRICS)[K] extends {
  values: Record<L, readonly (infer V)[]>;
}
  ? V
  : never;

/** The process metrics prom-client collects (CPU, memory, event loop lag, GC), under this prefix. */
export const DEFAULT_METRICS_PREFIX = 'imds_bot_';

export type MetricKey = keyof typeof METRICS;

/** The buckets of the scope scan histogram: a scope takes from a second to many minutes. */
const SCAN_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];

/** Drift lag buckets: CloudTrail delivers in minutes; more than 15 is a problem. */
const LAG_BUCKETS = [15, 30, 60, 120, 300, 600, 900, 1800, 3600];

type Labels<K extends MetricKey> = (typeof METRICS)[K]['labelNames'][number];

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: DEFAULT_METRICS_PREFIX });
  const counter = <K extends MetricKey>(key: K) =>
    new Counter<Labels<K>>({ ...spec(key), registers: [registry] });
  const gauge = <K extends MetricKey>(key: K) =>
    new Gauge<Labels<K>>({ ...spec(key), registers: [registry] });
  return {
    registry,
    queueDepth: gauge('queueDepth'),
    queueOldestAge: gauge('queueOldestAge'),
    jobs: counter('jobs'),
    scanDuration: new Histogram({ ...spec('scanDuration'), buckets: SCAN_BUCKETS, registers: [registry] }),
    scopeLastDuration: gauge('scopeLastDuration'),
    scopeInstances: gauge('scopeInstances'),
    scopeScans: counter('scopeScans'),
    awsCalls: counter('awsCalls'),
    slackCalls: counter('slackCalls'),
    changeRequests: gauge('changeRequests'),
    rateLimiterWaits: counter('rateLimiterWaits'),
    rateLimiterWaitSeconds: counter('rateLimiterWaitSeconds'),
    auditLength: gauge('auditLength'),
    auditUnanchored: gauge('auditUnanchored'),
    auditAnchorAge: gauge('auditAnchorAge'),
    workersRunning: gauge('workersRunning'),
    securityHubExports: counter('securityHubExports'),
    securityHubFindings: counter('securityHubFindings'),
    driftMessages: counter('driftMessages'),
    driftReceiveErrors: counter('driftReceiveErrors'),
    driftLag: new Histogram({ ...spec('driftLag'), buckets: LAG_BUCKETS, registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

const spec = <K extends MetricKey>(key: K) => ({
  name: METRICS[key].name,
  help: METRICS[key].help,
  labelNames: [...METRICS[key].labelNames] as Labels<K>[],
});
