/**
 * Which environment an instance is in, for "non-production first" (`--env nonprod`): read from its
 * tags, the workflow's `environment.tag` first, then `environment.alsoTags` (default `env`, `stage`),
 * each key matched ignoring case; the first with a value decides. A value in `prodValues` is
 * production, one in `nonprodValues` (default dev, development, test, testing, qa, uat, staging,
 * stage, sandbox, nonprod, non-prod) is not; anything else, or no such tag, is unknown, and unknown
 * is never treated as non-production: an untagged instance may well be production. Pure.
 */

export type Env = 'prod' | 'nonprod' | 'unknown';

export interface EnvironmentTags {
  tag: string;
  alsoTags: readonly string[];
  prodValues: readonly string[];
  nonprodValues: readonly string[];
}

export const NONPROD_VALUES = [
  'dev',
  'development',
  'test',
  'testing',
  'qa',
  'uat',
  'staging',
  'stage',
  'sandbox',
  'nonprod',
  'non-prod',
];

const has = (values: readonly string[], v: string): boolean =>
  values.some((x) => x.trim().toLowerCase() === v);

export function envOf(tags: Readonly<Record<string, string>>, rule: EnvironmentTags): Env {
  const entries = Object.entries(tags);
  for (const key of [rule.tag, ...rule.alsoTags]) {
    const wanted = key.toLowerCase();
    const value = entries
      .filter(([k, v]) => k.toLowerCase() === wanted && v.trim() !== '')
      .sort(([a], [b]) => (a === key ? -1 : b === key ? 1 : a < b ? -1 : 1))[0]?.[1];
    if (value === undefined) continue;
    const v = value.trim().toLowerCase();
    if (has(rule.prodValues, v)) return 'prod';
    return has(rule.nonprodValues, v) ? 'nonprod' : 'unknown';
  }
  return 'unknown';
}

/** `--env nonprod`: only the instances whose tags say non-production (unknown is left out). */
export const nonprodOnly = <T extends { tags: Readonly<Record<string, string>> }>(
  items: readonly T[],
  rule: EnvironmentTags,
): T[] => items.filter((f) => envOf(f.tags, rule) === 'nonprod');
