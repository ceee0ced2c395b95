import { describe, expect, it } from 'vitest';
import { MAX_QUERIES_PER_CALL, periodFor, windowOf } from '../../src/adapters/aws/usage.js';

/** GetMetricData: at most 100,800 datapoints a call. */
const MAX_DATAPOINTS_PER_CALL = 100_800;
const DAY_SECONDS = 86_400;
const WINDOWS = [1, 7, 14, 15, 16, 30, 63, 90, 455];
const NOW = new Date('2025-06-15T12:34:56.789Z');

describe('periodFor', () => {
  it.each(WINDOWS)('%i days: whole 5-minute periods up to 15 days, whole hours beyond', (windowDays) => {
    const period = periodFor(windowDays);

    const step = windowDays <= 15 ? 300 : 3600;
    expect(period).toBeGreaterThanOrEqual(step);
    expect(period % step).toBe(0);
  });

  it.each(WINDOWS)('%i days: a full batch of queries stays within the datapoint limit', (windowDays) => {
    const period = periodFor(windowDays);

    const pointsPerQuery = Math.ceil((windowDays * DAY_SECONDS) / period);
    expect(MAX_QUERIES_PER_CALL).toBe(500);
    expect(MAX_QUERIES_PER_CALL * pointsPerQuery).toBeLessThanOrEqual(MAX_DATAPOINTS_PER_CALL);
  });

  it('never shrinks as the window grows', () => {
    const periods = WINDOWS.map(periodFor);

    expect(periods).toEqual([...periods].sort((a, b) => a - b));
  });
});

describe('windowOf', () => {
  it.each(WINDOWS)('%i days: aligned to the period, ending at or before now', (windowDays) => {
    const { period, start, end } = windowOf({ windowDays, now: NOW });

    expect(period).toBe(periodFor(windowDays));
    expect((start.getTime() / 1000) % period).toBe(0);
    expect((end.getTime() / 1000) % period).toBe(0);
    expect(end.getTime()).toBeLessThanOrEqual(NOW.getTime());
    expect(NOW.getTime() - end.getTime()).toBeLessThan(period * 1000);
  });

  it.each(WINDOWS)('%i days: covers the window within one period, in whole periods', (windowDays) => {
    const { period, start, end } = windowOf({ windowDays, now: NOW });

    const seconds = (end.getTime() - start.getTime()) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(windowDays * DAY_SECONDS);
    expect(seconds).toBeLessThan(windowDays * DAY_SECONDS + period);
    expect(MAX_QUERIES_PER_CALL * (seconds / period)).toBeLessThanOrEqual(MAX_DATAPOINTS_PER_CALL);
  });

  it('gives scans a period apart the same buckets, one period later', () => {
    const first = windowOf({ windowDays: 14, now: NOW });

    const next = windowOf({ windowDays: 14, now: new Date(NOW.getTime() + first.period * 1000) });

    expect(next.start.getTime() - first.start.getTime()).toBe(first.period * 1000);
    expect(next.end.getTime() - first.end.getTime()).toBe(first.period * 1000);
  });

  it('gives scans within one period the same window', () => {
    const first = windowOf({ windowDays: 30, now: NOW });

    const again = windowOf({ windowDays: 30, now: new Date(NOW.getTime() + 1000) });

    expect(again).toEqual(first);
  });
});
