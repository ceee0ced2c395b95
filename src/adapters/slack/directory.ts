import { createHash } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { SlackSettings } from '../../config/slack-schema.js';
import { type OwnerRef, type OwnerRoute, ownerRefOf } from '../../domain/findings/owner-route.js';
import type { SlackCache } from '../redis/slack-cache.js';
import { call, classifySlackError } from './web.js';

interface SlackUser {
  id?: string;
  name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  real_name?: string;
  profile?: { email?: string; display_name?: string; real_name?: string };
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const USER_ID = /^[UW][A-Z0-9]{6,}$/;
const HANDLE = /^@[\w.-]+$/;
/** past this many unknown people, one paginated users.list beats one lookup each */
const BULK_THRESHOLD = 20;

export interface DirectoryDeps {
  client: WebClient;
  cache: SlackCache;
  settings: SlackSettings;
}

const kindOf = (v: string) =>
  EMAIL.test(v) ? 'email' : USER_ID.test(v) ? 'id' : HANDLE.test(v) ? 'handle' : 'team';

function routeOfUser(u: SlackUser | undefined, ref: OwnerRef): OwnerRoute {
  const tag = `tag ${ref.ownerTag}=${ref.owner}`;
  if (!u?.id) return { kind: 'unrouted', reason: `${tag} has no Slack user` };
  if (u.deleted) return { kind: 'unrouted', reason: `${tag} is a deactivated Slack user` };
  if (u.is_bot) return { kind: 'unrouted', reason: `${tag} is a bot, not a person` };
  return { kind: 'user', userId: u.id, label: u.real_name ?? u.profile?.real_name ?? u.name ?? u.id };
}

/**
 * Resolves owner tag values (email, Slack user id, @handle, team name) to a route, caching hits
 * and misses in Redis. Many unknown people at once are resolved with one users.list walk.
 */
export function createDirectory({ client, cache, settings }: DirectoryDeps) {
  const ttlHit = settings.ownerCacheHours * 3600;
  const ttlMiss = Math.max(600, Math.round(ttlHit / 6));
  const hashOf = (owner: string) =>
    createHash('sha256').update(owner.trim().toLowerCase()).digest('hex').slice(0, 32);
  const teams = new Map(
    Object.entries(settings.teams).map(([name, team]) => [name.toLowerCase(), team.channel]),
  );

  function teamRoute(ref: OwnerRef): OwnerRoute {
    const channel = teams.get(ref.owner.trim().toLowerCase());
    if (channel) return { kind: 'channel', channelId: channel, label: ref.owner };
    return {
      kind: 'unrouted',
      reason: `tag ${ref.ownerTag}=${ref.owner} names no Slack user and no team channel (map it under slack.teams)`,
    };
  }

  async function lookupOne(ref: OwnerRef): Promise<OwnerRoute> {
    const v = ref.owner.trim();
    try {
      if (kindOf(v) === 'email')
        return routeOfUser((await client.users.lookupByEmail({ email: v })).user as SlackUser, ref);
      return routeOfUser((await client.users.info({ user: v })).user as SlackUser, ref);
    } catch (err) {
      const e = classifySlackError(err, kindOf(v) === 'email' ? 'users.lookupByEmail' : 'users.info');
      if (e.code === 'slack:users_not_found' || e.code === 'slack:user_not_found')
        return routeOfUser(undefined, ref);
      throw e;
    }
  }

  async function walkUsers(): Promise<Map<string, SlackUser>> {
    const index = new Map<string, SlackUser>();
    let cursor: string | undefined;
    do {
      const page = await call('users.list', () =>
        client.users.list({ limit: 200, ...(cursor ? { cursor } : {}) }),
      );
      for (const u of (page.members ?? []) as SlackUser[]) {
        for (const k of [
          u.id,
          u.profile?.email,
          u.name && `@${u.name}`,
          u.profile?.display_name && `@${u.profile.display_name}`,
        ]) {
          if (k) index.set(k.toLowerCase(), u);
        }
      }
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return index;
  }

  async function resolveMisses(misses: OwnerRef[]): Promise<OwnerRoute[]> {
    const people = misses.filter((m) => kindOf(m.owner.trim()) !== 'team');
    const needsWalk =
      people.length > BULK_THRESHOLD || people.some((m) => kindOf(m.owner.trim()) === 'handle');
    const index = needsWalk ? await walkUsers() : null;
    const out: OwnerRoute[] = [];
    for (const ref of misses) {
      const v = ref.owner.trim();
      if (kindOf(v) === 'team') out.push(teamRoute(ref));
      else if (index) out.push(routeOfUser(index.get(v.toLowerCase()), ref));
      else out.push(await lookupOne(ref));
    }
    return out;
  }

  return {
    /** Routes for many owners at once (one entry per distinct owner value). */
    async resolveMany(refs: OwnerRef[]): Promise<Map<string, OwnerRoute>> {
      const distinct = [...new Map(refs.map((r) => [r.owner, r])).values()];
      const result = new Map<string, OwnerRoute>();
      if (distinct.length === 0) return result;
      const cached = await cache.routes(distinct.map((r) => hashOf(r.owner)));
      const misses: OwnerRef[] = [];
      distinct.forEach((ref, i) => {
        const hit = cached[i] ?? null;
        if (hit) result.set(ref.owner, hit);
        else misses.push(ref);
      });
      const resolved = await resolveMisses(misses);
      const fresh = misses.map((ref, i) => {
        const route = resolved[i] as OwnerRoute;
        result.set(ref.owner, route);
        return {
          ownerHash: hashOf(ref.owner),
          route,
          ttlSeconds: route.kind === 'unrouted' ? ttlMiss : ttlHit,
        };
      });
      await cache.saveRoutes(fresh);
      return result;
    },
    /** Where a finding's owner is reached; null when it has no owner tag. */
    async routeOf(f: { owner: string | null; ownerTag: string | null }): Promise<OwnerRoute | null> {
      const ref = ownerRefOf(f);
      return ref ? this.resolve(ref) : null;
    },
    async resolve(ref: OwnerRef): Promise<OwnerRoute> {
      return (await this.resolveMany([ref])).get(ref.owner) as OwnerRoute;
    },
  };
}
export type Directory = ReturnType<typeof createDirectory>;
