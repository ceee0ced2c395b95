/**
 * Non-production first: a production laggard whose non-production twin (same app, read from the
 * Name tag or an app tag) already runs with IMDSv2 required, without breakage, is the safest next
 * step, and the report counts them. "Without breakage": the twin was not rolled back and saw no
 * rejected IMDSv1 call since (the caller knows both from the audit trail and MetadataNoTokenRejected
 * and passes the instance ids). Tag values compare trimmed and case-insensitively. Pure.
 */

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

const appValue = (c: TwinCandidate, key: string): string | null => {
  const tag = Object.entries(c.tags).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  return tag ?? (key.toLowerCase() === 'name' ? c.name : null);
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
