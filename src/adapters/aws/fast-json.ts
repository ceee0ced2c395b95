/**
 * CloudWatch GetMetricData answers (awsJson1_0) read without the SDK's schema walk: JSON.parse,
 * then only the members the usage reader uses, converted as the SDK converts them (epoch
 * seconds to Date). Anything else (a value that is not a plain number, a null in a list, a body
 * that is not JSON) returns null, and the SDK's deserializer reads the same bytes instead.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Plain finite numbers, or null (the SDK turns "NaN" strings and the like into numbers itself). */
function numbers(v: unknown): number[] | null {
  if (!Array.isArray(v)) return null;
  for (const n of v) if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  return v as number[];
}

/** Epoch seconds as the SDK reads them (parseEpochTimestamp): milliseconds rounded. */
function dates(v: unknown): Date[] | null {
  const n = numbers(v);
  return n === null ? null : n.map((s) => new Date(Math.round(s * 1000)));
}

function result(r: unknown): Json | null {
  if (!isObject(r)) return null;
  const out: Json = {};
  for (const key of ['Id', 'Label', 'StatusCode'] as const) {
    const value = r[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return null;
    out[key] = value;
  }
  if (r.Timestamps != null) {
    const t = dates(r.Timestamps);
    if (t === null) return null;
    out.Timestamps = t;
  }
  if (r.Values != null) {
    const v = numbers(r.Values);
    if (v === null) return null;
    out.Values = v;
  }
  return out;
}

/** MetricDataResults (Id, Label, StatusCode, Timestamps, Values) and NextToken; null when unsure. */
export function readGetMetricData(text: string): Json | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(data)) return null;
  const out: Json = {};
  if (data.MetricDataResults != null) {
    if (!Array.isArray(data.MetricDataResults)) return null;
    const results: Json[] = [];
    for (const r of data.MetricDataResults) {
      const read = result(r);
      if (read === null) return null;
      results.push(read);
    }
    out.MetricDataResults = results;
  }
  if (data.NextToken != null) {
    if (typeof data.NextToken !== 'string') return null;
    out.NextToken = data.NextToken;
  }
  return out;
}
