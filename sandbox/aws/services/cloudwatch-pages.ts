import { decodeToken, encodeToken } from '../wire/tokens.js';

export interface ResultSeries {
  id: string;
  label: string;
  timestamps: number[];
  values: number[];
}

interface MetricDataResult {
  Id: string;
  Label: string;
  Timestamps: number[];
  Values: number[];
  StatusCode: 'Complete' | 'PartialData';
}

/**
 * GetMetricData pages: the datapoints of all queries, in query order, cut every `pageSize`.
 * A query cut by a page boundary shows up on both pages, 'PartialData' on the first.
 * Queries without datapoints are reported on the page where their position falls (trailing ones on the last).
 */
export function paginateResults(
  results: readonly ResultSeries[],
  token: string | undefined,
  fingerprint: string,
  pageSize: number,
): { MetricDataResults: MetricDataResult[]; NextToken?: string; Messages: [] } {
  const pageStart = decodeToken(token, fingerprint, 'InvalidNextToken');
  const pageEnd = pageStart + pageSize;
  const total = results.reduce((sum, r) => sum + r.timestamps.length, 0);
  const lastPage = total <= pageEnd;
  const page: MetricDataResult[] = [];
  let offset = 0;
  for (const r of results) {
    const length = r.timestamps.length;
    const from = Math.max(pageStart, offset);
    const to = Math.min(pageEnd, offset + length);
    const emptyHere = length === 0 && offset >= pageStart && (offset < pageEnd || lastPage);
    if (to > from || emptyHere) {
      page.push({
        Id: r.id,
        Label: r.label,
        Timestamps: r.timestamps.slice(from - offset, to - offset),
        Values: r.values.slice(from - offset, to - offset),
        StatusCode: offset + length > pageEnd ? 'PartialData' : 'Complete',
      });
    }
    offset += length;
  }
  const next = lastPage ? undefined : encodeToken(pageEnd, fingerprint);
  return { MetricDataResults: page, ...(next ? { NextToken: next } : {}), Messages: [] };
}
