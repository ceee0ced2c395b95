import type { InstanceRecord } from './types.js';

/**
 * AWS/EC2 MetadataNoToken and MetadataNoTokenRejected, generated from an instance's usage
 * pattern rather than stored: the calls in [a, b) are C(b) - C(a) with C(t) = floor(rate·(t+phase)/3600),
 * so sums agree whatever the Period. Times here are epoch seconds.
 */

export type ImdsMetric = 'MetadataNoToken' | 'MetadataNoTokenRejected';

export interface SeriesWindow {
  startSec: number;
  endSec: number;
  periodSec: number;
  nowSec: number;
}

export interface Series {
  timestamps: number[];
  values: number[];
}

interface Span {
  from: number;
  to: number;
}

/** The part of time in which the metric has datapoints (the instance ran; for rejections: tokens required). */
function metricSpan(instance: InstanceRecord, metric: ImdsMetric, nowSec: number): Span | null {
  if (instance.usage.kind === 'no-data') return null;
  let to = nowSec;
  if (instance.stoppedAt !== null) to = Math.min(to, instance.stoppedAt / 1000);
  if (instance.terminatedAt !== null) to = Math.min(to, instance.terminatedAt / 1000);
  let from = instance.launchTime / 1000;
  if (metric === 'MetadataNoTokenRejected') {
    if (instance.tokensRequiredSince === null) return null;
    from = Math.max(from, instance.tokensRequiredSince / 1000);
  }
  return to > from ? { from, to } : null;
}

function callsBetween(instance: InstanceRecord, a: number, b: number): number {
  const usage = instance.usage;
  if (usage.kind !== 'calls' || usage.callsPerHour <= 0) return 0;
  const end = usage.until === null ? b : Math.min(b, usage.until / 1000);
  if (end <= a) return 0;
  const phase = instance.usagePhaseSeconds;
  const count = (t: number): number => Math.floor((usage.callsPerHour * (t + phase)) / 3600);
  return count(end) - count(a);
}

/** Indexes k of the periods [start + k·period, +period) that overlap the span and have begun. */
function periodRange(span: Span, w: SeriesWindow): [number, number] {
  const last = Math.min(w.endSec, span.to, w.nowSec);
  const first = Math.max(0, Math.floor((span.from - w.startSec) / w.periodSec));
  const lastK = Math.ceil((last - w.startSec) / w.periodSec) - 1;
  return [first, lastK];
}

/** How many datapoints `series` would return, in O(1). */
export function countDatapoints(instance: InstanceRecord, metric: ImdsMetric, w: SeriesWindow): number {
  const span = metricSpan(instance, metric, w.nowSec);
  if (!span) return 0;
  const [first, last] = periodRange(span, w);
  return Math.max(0, last - first + 1);
}

function valueAt(instance: InstanceRecord, metric: ImdsMetric, span: Span, t0: number, t1: number): number {
  const a = Math.max(t0, span.from);
  const b = Math.min(t1, span.to);
  if (metric === 'MetadataNoTokenRejected') return callsBetween(instance, a, b);
  const required =
    instance.tokensRequiredSince === null ? Number.POSITIVE_INFINITY : instance.tokensRequiredSince / 1000;
  return callsBetween(instance, a, Math.min(b, required));
}

/** Ascending datapoints of one instance's metric over the window. */
export function series(instance: InstanceRecord, metric: ImdsMetric, w: SeriesWindow): Series {
  const out: Series = { timestamps: [], values: [] };
  const span = metricSpan(instance, metric, w.nowSec);
  if (!span) return out;
  const [first, last] = periodRange(span, w);
  for (let k = first; k <= last; k++) {
    const t0 = w.startSec + k * w.periodSec;
    out.timestamps.push(t0);
    out.values.push(valueAt(instance, metric, span, t0, t0 + w.periodSec));
  }
  return out;
}
