import { isLaggard } from '../../domain/findings/classify.js';
import {
  buildDigests,
  type DigestCadence,
  type DigestCard,
  type DigestOwner,
  type OwnerDigest,
  shouldPost,
} from '../../domain/findings/digest.js';
import { type Finding, instanceKey, type ScanError, scopeKey } from '../../domain/findings/model.js';
import { type OwnerRoute, ownerRefOf } from '../../domain/findings/owner-route.js';
import { type EnvironmentTags, nonprodOnly } from '../../domain/fixes/environment.js';
import type {
  ActiveSnoozes,
  DigestFingerprints,
  DigestOutbox,
  OwnerDirectory,
  OwnerHome,
} from '../../domain/ports/digest.js';
import type { FindingsStore } from '../../domain/ports/findings.js';
import type { Clock, Logger } from '../../domain/ports/shared.js';

const HOME_LIMIT = 200;
/** the owner key of the security channel's digest: unowned and unreachable owners */
export const SECURITY_KEY = 'security';

export interface DigestDeps {
  findings: Pick<FindingsStore, 'latestSnapshots' | 'pendingRegressions' | 'clearRegressions'>;
  owners: OwnerDirectory;
  snoozes: ActiveSnoozes;
  fingerprints: DigestFingerprints;
  outbox: DigestOutbox;
  log: Logger;
  now: Clock;
  settings: {
    cadence: DigestCadence;
    securityChannel?: string | undefined;
    /** how `env: 'nonprod'` tells non-production from the rest */
    environment: EnvironmentTags;
  };
}

/** user:U… / channel:C… / security: owners that resolve to the same place share one digest. */
export function ownerKeyOf(route: OwnerRoute | null | undefined): string {
  if (!route || route.kind === 'unrouted') return SECURITY_KEY;
  return route.kind === 'user' ? `user:${route.userId}` : `channel:${route.channelId}`;
}

const channelOf = (ownerKey: string, securityChannel: string | undefined): string | undefined =>
  ownerKey === SECURITY_KEY ? securityChannel : ownerKey.slice(ownerKey.indexOf(':') + 1);

/** Where a message for this owner goes: their DM, their team's channel, or security. */
export const routeChannel = (
  route: OwnerRoute | null | undefined,
  securityChannel: string | undefined,
): string | undefined => channelOf(ownerKeyOf(route), securityChannel);

const shownOf = (d: OwnerDigest): Finding[] => [...d.groups.inUse, ...d.groups.unknown, ...d.groups.ready];

interface Fleet {
  findings: Finding[];
  routes: Map<string, OwnerRoute>;
  /** scope key -> what the last scan there could not read */
  missing: Map<string, ScanError[]>;
}

const routeOf = (fleet: Fleet, f: Finding) => (f.owner ? fleet.routes.get(f.owner) : undefined);

/** Why each instance of the security digest is there: the owner's route, or no owner tag. */
function reasonsFor(d: OwnerDigest, fleet: Fleet): DigestCard['reasons'] {
  if (d.ownerKey !== SECURITY_KEY) return [];
  const mine = new Set(shownOf(d).map((f) => f.instanceId));
  const reasons = new Map<string, number>();
  for (const f of fleet.findings) {
    if (!mine.has(f.instanceId)) continue;
    const route = routeOf(fleet, f);
    const why = route?.kind === 'unrouted' ? route.reason : 'no owner tag';
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  return [...reasons]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([why, count]) => ({ why, count }));
}

function ownerOf(d: OwnerDigest, channel: string, fleet: Fleet): DigestOwner {
  if (d.ownerKey === SECURITY_KEY) return { label: 'unowned and unreachable owners' };
  const mine = fleet.findings.find((f) => ownerKeyOf(routeOf(fleet, f)) === d.ownerKey);
  const route = mine ? routeOf(fleet, mine) : undefined;
  const label = route && route.kind !== 'unrouted' ? route.label : channel;
  return { label, mention: { kind: d.ownerKey.startsWith('user:') ? 'user' : 'channel', id: channel } };
}

/**
 * Fingerprints per kind of digest: a nonprod digest shows a subset, so sharing the full digest's
 * fingerprint would make each look changed after the other, and tell an owner with only production
 * laggards that they were all fixed.
 */
const fingerprintPrefix = (env: 'nonprod' | undefined): string => (env ? `${env}|` : '');

function previousOf(all: Map<string, string>, env: 'nonprod' | undefined): Map<string, string> {
  const prefix = fingerprintPrefix(env);
  const mine = new Map<string, string>();
  for (const [key, value] of all) {
    const bare = key.startsWith(prefix) ? key.slice(prefix.length) : null;
    // an owner key never holds '|': a key that still does is another kind's (nonprod|… for the full digest)
    if (bare !== null && !bare.includes('|')) mine.set(bare, value);
  }
  return mine;
}

function cardOf(
  d: OwnerDigest,
  channel: string,
  fleet: Fleet,
  securityChannel: string | undefined,
  env: 'nonprod' | undefined,
): DigestCard {
  const shown = shownOf(d);
  const scopes = new Set(shown.map((f) => `${f.accountId}:${f.region}`));
  return {
    digest: d,
    fingerprintKey: `${fingerprintPrefix(env)}${d.ownerKey}`,
    channel,
    owner: ownerOf(d, channel, fleet),
    reasons: reasonsFor(d, fleet),
    coverage: [...scopes].flatMap((k) => fleet.missing.get(k) ?? []),
    shown,
    ...(securityChannel ? { fallbackChannel: securityChannel } : {}),
  };
}

const homeOf = (d: OwnerDigest): OwnerHome => {
  const all = shownOf(d).slice(0, HOME_LIMIT);
  return {
    userId: d.ownerKey.slice('user:'.length),
    total: all.length,
    rows: all.map((f) => ({
      instanceId: f.instanceId,
      name: f.name,
      accountId: f.accountId,
      region: f.region,
      readiness: f.readiness,
      calls: f.usage?.noTokenCalls ?? 0,
    })),
  };
};

/**
 * One digest per owner (DM, team channel, or the security channel with the reason each
 * instance landed there), only when something changed unless the cadence says otherwise;
 * regressions always. Each owner's card holds only that owner's instances. With `env: 'nonprod'`
 * only the non-production laggards: App Home keeps the full rows of the last full digest, and
 * the regressions of production instances stay pending for it.
 */
export async function planDigests(
  deps: DigestDeps,
  onlyRegressions: boolean,
  env?: 'nonprod',
): Promise<{ planned: number; owners: number }> {
  const snapshots = await deps.findings.latestSnapshots();
  const laggards = snapshots.flatMap((s) => s.findings.filter(isLaggard));
  const findings = env === 'nonprod' ? nonprodOnly(laggards, deps.settings.environment) : laggards;
  const routes = await deps.owners.resolveMany(findings.flatMap((f) => ownerRefOf(f) ?? []));
  const fleet: Fleet = {
    findings,
    routes,
    missing: new Map(snapshots.map((s) => [scopeKey(s), s.partialErrors ?? []])),
  };
  const regressedKeys = await deps.findings.pendingRegressions();
  const snoozes = await deps.snoozes.active(findings.map(instanceKey), deps.now());
  const digests = buildDigests({
    findings,
    ownerKeyOf: (f) => ownerKeyOf(routeOf(fleet, f)),
    snoozed: new Set([...snoozes.values()].map((s) => s.instanceId)),
    previous: previousOf(await deps.fingerprints.previous(), env),
    regressedIds: new Set(findings.filter((f) => regressedKeys.has(instanceKey(f))).map((f) => f.instanceId)),
    launchedIds: new Set(
      findings.filter((f) => regressedKeys.get(instanceKey(f)) === 'launched').map((f) => f.instanceId),
    ),
  });
  const { cadence, securityChannel } = deps.settings;
  const cards: DigestCard[] = [];
  for (const d of digests) {
    if (!shouldPost(d, cadence) || (onlyRegressions && !d.hasRegression)) continue;
    const channel = channelOf(d.ownerKey, securityChannel);
    if (!channel) {
      deps.log.warn(
        { owner: d.ownerKey },
        'no slack.securityChannel configured: unowned and unrouted laggards are not posted',
      );
      continue;
    }
    cards.push(cardOf(d, channel, fleet, securityChannel, env));
  }
  if (!env) await deps.outbox.saveHomes(digests.filter((d) => d.ownerKey.startsWith('user:')).map(homeOf));
  await deps.outbox.deliver(cards);
  const told = new Set(findings.map(instanceKey));
  const keys = [...regressedKeys.keys()];
  await deps.findings.clearRegressions(env ? keys.filter((k) => told.has(k)) : keys);
  return { planned: cards.length, owners: digests.length };
}
