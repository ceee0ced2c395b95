import { twinsHeadline } from '../domain/fixes/twins.js';
import type { Report } from './report.js';
import { clean, table } from './text-table.js';

const TWINS_SHOWN = 10;

/** The count of production laggards with an enforced non-production twin, and the first pairs. */
export function twinLines(r: Report): string[] {
  const t = r.nonProdTwins;
  if (!t) return [];
  const out = ['', `${twinsHeadline(t)}.`];
  if (t.pairs.length === 0) return out;
  const rows = t.pairs
    .slice(0, TWINS_SHOWN)
    .map((p) => [p.instanceId, p.twinId, `${clean(p.key, 20)}=${clean(p.value)}`]);
  out.push(...table(['PROD LAGGARD', 'ENFORCED TWIN', 'SAME'], rows));
  if (t.pairs.length > TWINS_SHOWN)
    out.push(`…and ${t.pairs.length - TWINS_SHOWN} more (--format json or csv lists all)`);
  return out;
}
