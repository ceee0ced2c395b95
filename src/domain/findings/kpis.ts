/**
 * Fleet KPIs from the scan history (pure): the share requiring IMDSv2 over time, the IMDSv1
 * call trend (MetadataNoToken), laggards found and fixed per week, mean time to remediate.
 */

export interface HistoryPoint {
  finishedAt: string;
  percentCompliant: number;
  laggards: number;
  v1Calls: number;
  diff: { new: number; fixed: number; regressed: number; gone: number };
  /** mean seconds to remediate over the instances this scan saw fixed, null when none */
  mttrSeconds: number | null;
  /** how many instances that mean is over */
  remediated: number;
}

export interface WeekRow {
  /** Monday of the ISO week, YYYY-MM-DD */
  week: string;
  found: number;
  fixed: number;
  regressed: number;
}

/** Monday 00:00 UTC of the week `iso` falls in. */
export function weekOf(iso: string): string {
  const d = new Date(iso);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const monday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day));
  return monday.toISOString().slice(0, 10);
}

/** Laggards found (new + regressed) and fixed per week, oldest week first. */
export function weekly(points: readonly HistoryPoint[]): WeekRow[] {
  const rows = new Map<string, WeekRow>();
  for (const p of points) {
    const week = weekOf(p.finishedAt);
    const row = rows.get(week) ?? { week, found: 0, fixed: 0, regressed: 0 };
    row.found += p.diff.new + p.diff.regressed;
    row.fixed += p.diff.fixed;
    row.regressed += p.diff.regressed;
    rows.set(week, row);
  }
  return [...rows.values()].sort((a, b) => a.week.localeCompare(b.week));
}

/** Mean time to remediate over all scans, weighted by how many instances each scan saw fixed. */
export function meanTimeToRemediate(points: readonly HistoryPoint[]): number | null {
  let seconds = 0;
  let count = 0;
  for (const p of points) {
    if (p.mttrSeconds === null || p.remediated === 0) continue;
    seconds += p.mttrSeconds * p.remediated;
    count += p.remediated;
  }
  return count === 0 ? null : Math.round(seconds / count);
}

/** The change of a series between the oldest and newest point, for "▲ 4.2 points". */
export function delta(points: readonly HistoryPoint[], pick: (p: HistoryPoint) => number): number | null {
  if (points.length < 2) return null;
  const sorted = [...points].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  return first && last ? Math.round((pick(last) - pick(first)) * 10) / 10 : null;
}
