import type { WebClient } from '@slack/web-api';
import type { Actor } from '../../domain/change/approval-roles.js';
import type { Approvals } from '../../domain/change/approval-schema.js';
import type { SlackCache } from '../redis/slack-cache.js';
import { call, classifySlackError } from './web.js';

/** a safety net: subteam_updated / subteam_members_changed events drop a group's entry at once */
const GROUP_TTL_SECONDS = 600;
/** a deactivation reaches every click within a minute; approvals ask Slack every time */
const ACTIVE_TTL_SECONDS = 60;

export interface Fresh {
  /** ask Slack now, not the cache: at the moment of an approval */
  fresh?: boolean;
}

/**
 * Who someone is to the bot: the configured user groups they belong to (usergroups.users.list,
 * cached ten minutes, dropped when Slack says a group changed) and, when they act from a
 * configured security channel, that channel (only members can use a slash command or click a card
 * there); and whether their Slack account is still active (users.info `deleted`).
 */
export function createAccess({
  client,
  cache,
  approvals,
}: {
  client: WebClient;
  cache: SlackCache;
  approvals: Approvals;
}) {
  const groups = [...new Set([...approvals.approvers.groups, ...approvals.security.groups])];
  async function membersOf(group: string, opts: Fresh = {}): Promise<string[]> {
    const members = opts.fresh ? null : await cache.groupMembers(group);
    if (members !== null) return members;
    const res = await call('usergroups.users.list', () => client.usergroups.users.list({ usergroup: group }));
    const users = res.users ?? [];
    await cache.saveGroupMembers(group, users, GROUP_TTL_SECONDS);
    return users;
  }

  async function activeNow(userId: string): Promise<boolean> {
    try {
      const res = await client.users.info({ user: userId });
      const user = res.user as { deleted?: boolean; is_bot?: boolean } | undefined;
      return user !== undefined && user.deleted !== true;
    } catch (err) {
      const e = classifySlackError(err, 'users.info');
      if (e.code === 'slack:user_not_found') return false; // not a user of this workspace
      throw e;
    }
  }

  return {
    async actorFor(userId: string, channelId?: string | null, opts: Fresh = {}): Promise<Actor> {
      const mine: string[] = [];
      for (const g of groups) if ((await membersOf(g, opts)).includes(userId)) mine.push(g);
      if (channelId && approvals.security.channels.includes(channelId)) mine.push(channelId);
      return { userId, groups: mine };
    },
    /** Whether a user is in a Slack user group (a team's `usergroup`). */
    async inGroup(userId: string, group: string): Promise<boolean> {
      return (await membersOf(group)).includes(userId);
    },
    /** Slack said a group changed: the next check asks Slack. */
    async forgetGroup(group: string): Promise<void> {
      await cache.forgetGroup(group);
    },
    /** False for a deactivated (or unknown) Slack user: nothing is done on their behalf. */
    async isActive(userId: string, opts: Fresh = {}): Promise<boolean> {
      const cached = opts.fresh ? null : await cache.userActive(userId);
      if (cached !== null) return cached;
      const active = await activeNow(userId);
      await cache.saveUserActive(userId, active, ACTIVE_TTL_SECONDS);
      return active;
    },
  };
}
export type Access = ReturnType<typeof createAccess>;
