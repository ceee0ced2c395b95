import { randomBytes } from 'node:crypto';
import { isLaggard } from '../../../domain/findings/classify.js';
import { buildDigests, type OwnerDigest, shouldPost } from '../../../domain/findings/digest.js';
import type { Finding, ScanError } from '../../../domain/findings/model.js';
import { instanceKey } from '../../../domain/findings/model.js';
import { partialLine } from '../blocks/coverage.js';
import { buildDigestMessage } from '../blocks/digest.js';
import type { OwnerRoute } from '../directory.js';
import { ownerRefOf } from '../directory.js';
import type { SlackOut } from '../out.js';
import { capped, channel as channelMention, context, lines, type Mrkdwn, md, user } from '../text.js';
import type { TaskContext } from './context.js';

const REF_TTL_SECONDS = 30 * 86_400;
const HOME_LIMIT = 200;
export const SECURITY_KEY = 'security';
/** the message metadata event_type of a digest */
export const DIGEST_EVENT = 'imds_digest';

/** user:U… / channel:C… / security: owners that resolve to the same place share one digest. */
export function ownerKeyOf(route: OwnerRoute | undefined): string {
  if (!route || route.kind === 'unrouted') return SECURITY_KEY;
  return route.kind === 'user' ? `user:${route.userId}` : `channel:${route.channelId}`;
}

const channelOf = (ownerKey: string, securityChannel: string | undefined): string | undefined =>
  ownerKey === SECURITY_KEY ? securityChannel : ownerKey.slice(ownerKey.indexOf(':') + 1);

/** Where a message for this owner goes: their DM, their team's channel, or security. */
export const routeChannel = (
  route: OwnerRoute | null | undefined,
  securityChannel: string | undefined,
): string | undefined => channelOf(ownerKeyOf(route ?? undefined), securityChannel);

/** Button values are opaque ids; the instance they stand for is kept here for 30 days. */
async function newRefs(ctx: TaskContext, findings: Finding[]): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  const tx = ctx.redis.multi();
  for (const f of findings) {
    const id = randomBytes(12).toString('base64url');
    refs.set(f.instanceId, id);
    tx.set(
      `${ctx.prefix}:ref:${id}`,
      JSON.stringify({ instanceKey: instanceKey(f), at: ctx.now().toISOString() }),
      'EX',
      REF_TTL_SECONDS,
    );
  }
  await tx.exec();
  return refs;
}

function reasonsFor(d: OwnerDigest, findings: Finding[], routes: Map<string, OwnerRoute>): Mrkdwn | null {
  if (d.ownerKey !== SECURITY_KEY) return null;
  const mine = new Set([...d.groups.ready, ...d.groups.inUse, ...d.groups.unknown].map((f) => f.instanceId));
  const reasons = new Map<string, number>();
  for (const f of findings) {
    if (!mine.has(f.instanceId)) continue;
    const route = f.owner ? routes.get(f.owner) : undefined;
    const why = route?.kind === 'unrouted' ? route.reason : 'no owner tag';
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  const top = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8);
  return lines(md`Why these are here:`, ...top.map(([why, n]) => md`• ${n} × ${capped(why, 150)}`));
}

/** Who a digest is for: a plain label for its header, and a mention for its summary. */
function ownerOf(d: OwnerDigest, channel: string, routes: Map<string, OwnerRoute>, findings: Finding[]) {
  if (d.ownerKey === SECURITY_KEY) return { label: 'unowned and unreachable owners' };
  const key = (f: Finding) => ownerKeyOf(f.owner ? routes.get(f.owner) : undefined);
  const mine = findings.find((f) => key(f) === d.ownerKey);
  const route = mine?.owner ? routes.get(mine.owner) : undefined;
  const label = route && route.kind !== 'unrouted' ? route.label : channel;
  return { label, mention: d.ownerKey.startsWith('user:') ? user(channel) : channelMention(channel) };
}

/**
 * One digest per owner (DM, team channel, or the security channel with the reason each
 * instance landed there), only when something changed unless the cadence says otherwise;
 * regressions always. Each owner's message holds only that owner's instances.
 */
export async function planDigests(
  ctx: TaskContext,
  onlyRegressions: boolean,
): Promise<{ planned: number; owners: number }> {
  const snapshots = await ctx.app.store.latestSnapshots();
  const findings = snapshots.flatMap((s) => s.findings.filter(isLaggard));
  const missing = new Map(snapshots.map((s) => [`${s.accountId}:${s.region}`, s.partialErrors ?? []]));
  const refs = findings.flatMap((f) => ownerRefOf(f) ?? []);
  const routes = await ctx.directory.resolveMany(refs);
  const regressedKeys = await ctx.app.store.pendingRegressions();
  const regressedIds = new Set(
    findings.filter((f) => regressedKeys.has(instanceKey(f))).map((f) => f.instanceId),
  );
  const previous = new Map(Object.entries(await ctx.redis.hgetall(`${ctx.prefix}:digest-fingerprints`)));
  const snoozes = await ctx.snoozes.active(findings.map(instanceKey), ctx.now());
  const snoozed = new Set([...snoozes.values()].map((s) => s.instanceId));
  const digests = buildDigests({
    findings,
    ownerKeyOf: (f) => ownerKeyOf(f.owner ? routes.get(f.owner) : undefined),
    snoozed,
    previous,
    regressedIds,
  });
  const security = ctx.workflow.slack.securityChannel;
  const posts: SlackOut[] = [];
  for (const d of digests) {
    if (!shouldPost(d, ctx.workflow.slack.digest.cadence) || (onlyRegressions && !d.hasRegression)) continue;
    const channel = channelOf(d.ownerKey, security);
    if (!channel) {
      ctx.log.warn(
        { owner: d.ownerKey },
        'no slack.securityChannel configured: unowned and unrouted laggards are not posted',
      );
      continue;
    }
    posts.push(await digestPost(ctx, d, channel, findings, routes, missing));
  }
  await saveHomes(ctx, digests);
  await ctx.out.addBulk(posts);
  await ctx.app.store.clearRegressions([...regressedKeys]);
  return { planned: posts.length, owners: digests.length };
}

async function digestPost(
  ctx: TaskContext,
  d: OwnerDigest,
  channel: string,
  findings: Finding[],
  routes: Map<string, OwnerRoute>,
  missing: Map<string, ScanError[]>,
): Promise<SlackOut> {
  const shown = [...d.groups.inUse, ...d.groups.unknown, ...d.groups.ready];
  const scopes = new Set(shown.map((f) => `${f.accountId}:${f.region}`));
  const note = partialLine([...scopes].flatMap((k) => missing.get(k) ?? []));
  const refs = await newRefs(ctx, shown.slice(0, 60));
  const owner = ownerOf(d, channel, routes, findings);
  const reasons = reasonsFor(d, findings, routes);
  const msg = buildDigestMessage(d, {
    ownerLabel: owner.label,
    ...(owner.mention ? { ownerMention: owner.mention } : {}),
    ...(reasons ? { footer: [context(reasons)] } : {}),
    now: ctx.now(),
    consoleBaseUrl: `https://{region}.${ctx.workflow.slack.consoleHost}`,
    buttonValue: (f) => refs.get(f.instanceId) ?? 'expired',
    ...(note ? { coverageNote: note } : {}),
  });
  const blocks = msg.blocks;
  return {
    kind: 'post',
    channel,
    text: msg.text,
    blocks: blocks as unknown as Record<string, unknown>[],
    card: {
      key: `digest:${d.ownerKey}`,
      kind: 'digest',
      ownerKey: d.ownerKey,
      instanceKeys: shown.slice(0, 60).map(instanceKey),
    },
    fingerprint: { ownerKey: d.ownerKey, value: d.fingerprint },
    // names this digest, so a retry after Slack answered 5xx finds it instead of posting it twice
    metadata: {
      event_type: DIGEST_EVENT,
      event_payload: { id: randomBytes(12).toString('base64url'), owner: d.ownerKey },
    },
    ...(ctx.workflow.slack.securityChannel ? { fallbackChannel: ctx.workflow.slack.securityChannel } : {}),
  };
}

/** Each person's laggards for their App Home (the digest shows the most urgent, Home the rest). */
async function saveHomes(ctx: TaskContext, digests: OwnerDigest[]): Promise<void> {
  const tx = ctx.redis.multi();
  for (const d of digests) {
    if (!d.ownerKey.startsWith('user:')) continue;
    const all = [...d.groups.inUse, ...d.groups.unknown, ...d.groups.ready].slice(0, HOME_LIMIT);
    const rows = all.map((f) => ({
      instanceId: f.instanceId,
      name: f.name,
      accountId: f.accountId,
      region: f.region,
      readiness: f.readiness,
      calls: f.usage?.noTokenCalls ?? 0,
    }));
    tx.set(
      `${ctx.prefix}:home:${d.ownerKey.slice(5)}`,
      JSON.stringify({ at: ctx.now().toISOString(), total: all.length, rows }),
      'EX',
      30 * 86_400,
    );
  }
  await tx.exec();
}
