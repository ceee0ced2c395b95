import { createHash } from 'node:crypto';
import type { Finding, ScanError } from './model.js';

/**
 * Digest grouping: one digest per owner over already-routed findings. Pure: the caller passes the
 * owner key of each finding, the snoozed instance ids, the previous fingerprints and the regressions.
 */

export interface DigestGroups {
  /** no IMDSv1 calls in the window: safe to enforce */
  ready: Finding[];
  /** still making IMDSv1 calls */
  inUse: Finding[];
  /** CloudWatch has no data: cannot tell */
  unknown: Finding[];
}

export interface OwnerDigest {
  ownerKey: string;
  /** unsnoozed laggards, each group in urgency order */
  groups: DigestGroups;
  snoozedCount: number;
  /** the owner's snoozed laggards, sorted */
  snoozedIds: string[];
  /** the owner's unsnoozed laggards that regressed since the last scan, sorted */
  regressedIds: string[];
  /** of those, the ones launched allowing IMDSv1 (the rest were changed back to optional) */
  launchedIds: string[];
  fingerprint: string;
  /** the fingerprint differs from the previous one, or there is none */
  changed: boolean;
  hasRegression: boolean;
}

export interface DigestInput {
  findings: readonly Finding[];
  ownerKeyOf: (f: Finding) => string;
  snoozed: ReadonlySet<string>;
  /** ownerKey -> fingerprint of the last digest posted */
  previous: ReadonlyMap<string, string>;
  regressedIds: ReadonlySet<string>;
  /** of `regressedIds`, the new launches */
  launchedIds?: ReadonlySet<string>;
}

export type DigestCadence = 'on-change' | 'always';

const GROUP_OF = { ready: 'ready', 'in-use': 'inUse', unknown: 'unknown' } as const;

type Laggard = Finding & { readiness: keyof typeof GROUP_OF };

const isLaggard = (f: Finding): f is Laggard => Object.hasOwn(GROUP_OF, f.readiness);

const calls = (f: Finding): number => f.usage?.noTokenCalls ?? 0;

/** Risk flags, most urgent first: each true sorts before false. */
const FLAGS: readonly ((f: Finding) => boolean)[] = [
  (f) => f.risk.prod,
  (f) => f.risk.publicIp,
  (f) => f.risk.iamRole,
];

/** Prod first, then public IP, then IAM role, then more IMDSv1 calls, then seen more recently, then id. */
export function urgencyCompare(a: Finding, b: Finding): number {
  for (const flag of FLAGS) {
    if (flag(a) !== flag(b)) return flag(a) ? -1 : 1;
  }
  if (calls(a) !== calls(b)) return calls(b) - calls(a);
  const seenA = a.usage?.lastSeen ?? '';
  const seenB = b.usage?.lastSeen ?? '';
  if (seenA !== seenB) return seenA < seenB ? 1 : -1;
  return a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0;
}

/**
 * A coarse band of IMDSv1 use, so that call counts moving within a band do not change the fingerprint.
 */
export function usageBucket(f: Finding): string {
  if (f.readiness === 'ready') return 'quiet';
  if (f.readiness === 'unknown') return 'no-data';
  const n = calls(f);
  if (n < 10) return 'trickle';
  return n < 1000 ? 'steady' : 'heavy';
}

/** A stable hash of the laggards shown to an owner: the id, readiness and usage band of each. */
export function fingerprintOf(laggards: readonly Finding[]): string {
  const lines = laggards.map((f) => `${f.instanceId}|${f.readiness}|${usageBucket(f)}`).sort();
  return createHash('sha256')
    .update(`v1\n${lines.join('\n')}`)
    .digest('hex')
    .slice(0, 16);
}

const emptyGroups = (): DigestGroups => ({ ready: [], inUse: [], unknown: [] });

interface Bucket {
  visible: Laggard[];
  snoozedIds: string[];
}

function bucketByOwner(input: DigestInput): Map<string, Bucket> {
  const owners = new Map<string, Bucket>();
  for (const key of input.previous.keys()) owners.set(key, { visible: [], snoozedIds: [] });
  for (const f of input.findings) {
    if (!isLaggard(f)) continue;
    const key = input.ownerKeyOf(f);
    const bucket = owners.get(key) ?? { visible: [], snoozedIds: [] };
    owners.set(key, bucket);
    if (input.snoozed.has(f.instanceId)) bucket.snoozedIds.push(f.instanceId);
    else bucket.visible.push(f);
  }
  return owners;
}

function ownerDigest(ownerKey: string, bucket: Bucket, input: DigestInput): OwnerDigest {
  const groups = emptyGroups();
  for (const f of [...bucket.visible].sort(urgencyCompare)) groups[GROUP_OF[f.readiness]].push(f);
  const fingerprint = fingerprintOf(bucket.visible);
  const regressedIds = bucket.visible.map((f) => f.instanceId).filter((id) => input.regressedIds.has(id));
  return {
    ownerKey,
    groups,
    snoozedCount: bucket.snoozedIds.length,
    snoozedIds: [...bucket.snoozedIds].sort(),
    regressedIds: regressedIds.sort(),
    launchedIds: regressedIds.filter((id) => input.launchedIds?.has(id)),
    fingerprint,
    changed: input.previous.get(ownerKey) !== fingerprint,
    hasRegression: regressedIds.length > 0,
  };
}

/**
 * One digest per owner with at least one laggard (snoozed or not), plus one per owner in `previous`
 * (so an owner whose last laggard was fixed hears about it once), sorted by owner key. Findings that
 * are not laggards (compliant, IMDS disabled) are ignored.
 */
export function buildDigests(input: DigestInput): OwnerDigest[] {
  const owners = bucketByOwner(input);
  return [...owners.keys()]
    .sort()
    .map((key) => ownerDigest(key, owners.get(key) ?? { visible: [], snoozedIds: [] }, input));
}

export const laggardCount = (d: OwnerDigest): number =>
  d.groups.ready.length + d.groups.inUse.length + d.groups.unknown.length;

/**
 * 'on-change': post when the laggards changed or one regressed. 'always': also post whenever the owner
 * has an unsnoozed laggard; an owner with nothing to do and nothing changed is never posted to.
 */
export function shouldPost(digest: OwnerDigest, cadence: DigestCadence): boolean {
  if (digest.changed || digest.hasRegression) return true;
  return cadence === 'always' && laggardCount(digest) > 0;
}

/** Who a card is for: a plain label for its header, and where a mention of them points. */
export interface DigestOwner {
  label: string;
  mention?: { kind: 'user' | 'channel'; id: string };
}

/** One owner's digest as it is to be delivered: everything the card shows, decided. */
export interface DigestCard {
  digest: OwnerDigest;
  /** the key its fingerprint is recorded under: the owner key, prefixed by the env filter (`nonprod|…`) */
  fingerprintKey: string;
  channel: string;
  owner: DigestOwner;
  /** for the security digest: why its instances landed there, most frequent first (at most 8) */
  reasons: { why: string; count: number }[];
  /** what the scans could not read where the shown instances are */
  coverage: ScanError[];
  /** the owner's unsnoozed laggards: in use, then no data, then ready (the first 60 get buttons) */
  shown: Finding[];
  /** where to say so when the channel refuses (user gone, bot not invited) */
  fallbackChannel?: string;
}
