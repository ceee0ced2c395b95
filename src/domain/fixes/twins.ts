/**
 * Non-production first: a production laggard whose non-production twin (same app, read from the
 * Name tag or an app tag) already runs with IMDSv2 required, without breakage, is the safest next
 * step, and the report counts them. "Without breakage": the twin was not rolled back and saw no
 * rejected IMDSv1 call since (the caller knows both from the audit trail and MetadataNoTokenRejected
 * and passes the instance ids). Tag values compare trimmed and case-insensitively. Pure.
 */

import { type EnvironmentTags, envOf } from './environment.js';

/** the workflow's default `environment.twinTags` */
export const TWIN_TAGS = ['app', 'Name'];

export interface TwinCandidate {
  instanceId: string;
  accountId: string;
  name: string | null;
  tags: Readonly<Record<string, string>>;
  prod: boolean;
  /** still accepts IMDSv1 */
  laggard: boolean;
  /** HttpTokens required with the endpoint enabled */
  enforced: boolean;
}

export interface TwinOptions {
  /** tag keys that name the app, in priority order; `Name` also reads the instance name */
  keys: readonly string[];
  /** instances whose enforcement broke something (rolled back, or IMDSv1 calls rejected) */
  broken: ReadonlySet<string>;
}

export interface TwinPair {
  instanceId: string;
  twinId: string;
  /** the tag key the two share, and its value as the laggard spells it */
  key: string;
  value: string;
}

export interface TwinSummary {
  prodLaggards: number;
  withTwin: number;
  pairs: TwinPair[];
}

const norm = (v: string | null | undefined): string | null => {
  const t = v?.trim().toLowerCase() ?? '';
  return t === '' ? null : t;
};

/** Each tag set's keys lower-cased (the first spelling wins), made once per set: a fleet is read several times. */
const lowered = new WeakMap<Readonly<Record<string, string>>, Map<string, string>>();
function lowerTags(tags: Readonly<Record<string, string>>): Map<string, string> {
  let byKey = lowered.get(tags);
  if (byKey === undefined) {
    byKey = new Map();
    for (const [k, v] of Object.entries(tags)) if (!byKey.has(k.toLowerCase())) byKey.set(k.toLowerCase(), v);
    lowered.set(tags, byKey);
  }
  return byKey;
}

const appValue = (c: TwinCandidate, key: string): string | null => {
  const k = key.toLowerCase();
  return lowerTags(c.tags).get(k) ?? (k === 'name' ? c.name : null);
};

export function nonProdTwins(candidates: readonly TwinCandidate[], opts: TwinOptions): TwinSummary {
  const good = candidates.filter((c) => !c.prod && c.enforced && !opts.broken.has(c.instanceId));
  const index = opts.keys.map((key) => {
    const byValue = new Map<string, TwinCandidate>();
    for (const c of good) {
      const v = norm(appValue(c, key));
      if (v !== null && !byValue.has(v)) byValue.set(v, c);
    }
    return { key, byValue };
  });
  const laggards = candidates.filter((c) => c.prod && c.laggard);
  const pairs: TwinPair[] = [];
  for (const l of laggards) {
    for (const { key, byValue } of index) {
      const raw = appValue(l, key);
      const twin = byValue.get(norm(raw) ?? '');
      if (twin === undefined || raw === null) continue;
      pairs.push({ instanceId: l.instanceId, twinId: twin.instanceId, key, value: raw.trim() });
      break;
    }
  }
  return { prodLaggards: laggards.length, withTwin: pairs.length, pairs };
}

/** What the audit trail and the scans say of an instance, for the twins count. */
export interface TwinFacts {
  /** enforced by the bot (a verified change to HttpTokens required in the audit trail) */
  botEnforced: ReadonlySet<string>;
  /** rolled back in the audit trail, or IMDSv1 calls rejected since it was enforced */
  broken: ReadonlySet<string>;
}

export interface TwinFinding {
  instanceId: string;
  accountId: string;
  name: string | null;
  tags: Readonly<Record<string, string>>;
  httpTokens: string;
  httpEndpoint: string;
  laggard: boolean;
}

/**
 * The findings as twin candidates: production and non-production by `envOf` (an instance of
 * unknown environment is neither, so it is never taken for a twin), enforced when it requires
 * tokens now or the bot enforced it.
 */
export function twinCandidates(
  findings: readonly TwinFinding[],
  rule: EnvironmentTags,
  botEnforced: ReadonlySet<string> = new Set(),
): TwinCandidate[] {
  const out: TwinCandidate[] = [];
  for (const f of findings) {
    const env = envOf(f.tags, rule);
    if (env === 'unknown') continue;
    const requires = f.httpTokens === 'required' && f.httpEndpoint === 'enabled';
    const { instanceId, accountId, name, tags, laggard } = f;
    const enforced = requires || botEnforced.has(instanceId);
    out.push({ instanceId, accountId, name, tags, prod: env === 'prod', laggard, enforced });
  }
  return out;
}

/** `key NUL value` of each key the candidate has a value for. */
const appKeys = (c: TwinCandidate, keys: readonly string[]): string[] =>
  keys.flatMap((k) => {
    const v = norm(appValue(c, k));
    return v === null ? [] : [`${k.toLowerCase()}\u0000${v}`];
  });

/**
 * The non-production instances that could be some production laggard's twin (same app value
 * under one of the keys), enforced or not: only their audit history needs reading.
 */
export function possibleTwins(candidates: readonly TwinCandidate[], keys: readonly string[]): string[] {
  const wanted = new Set(candidates.filter((c) => c.prod && c.laggard).flatMap((c) => appKeys(c, keys)));
  return candidates
    .filter((c) => !c.prod && appKeys(c, keys).some((k) => wanted.has(k)))
    .map((c) => c.instanceId);
}

/** The count as one sentence (no tag value in it: each format shows the pairs its own safe way). */
export function twinsHeadline(s: TwinSummary): string {
  return `Production laggards with a non-production twin (same app tag or Name) already enforced without breakage: ${s.withTwin} of ${s.prodLaggards}${s.withTwin > 0 ? ', the safest to enforce next' : ''}`;
}
