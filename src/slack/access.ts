import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Approvals } from '../config/approval-schema.js';
import type { Actor } from '../domain/approval-policy.js';
import { call } from './web.js';

const GROUP_TTL_SECONDS = 600;

/**
 * Who someone is to the bot: the configured user groups they belong to (usergroups.users.list,
 * cached ten minutes) and, when they act from a configured security channel, that channel
 * (only members can use a slash command or click a card there).
 */
export function createAccess({
  client,
  redis,
  prefix,
  approvals,
}: {
  client: WebClient;
  redis: Redis;
  prefix: string;
  approvals: Approvals;
}) {
  const groups = [...new Set([...approvals.approvers.groups, ...approvals.security.groups])];

  async function membersOf(group: string): Promise<string[]> {
    const key = `${prefix}:usergroup:${group}`;
    const cached = await redis.get(key);
    if (cached !== null) return JSON.parse(cached) as string[];
    const res = await call('usergroups.users.list', () => client.usergroups.users.list({ usergroup: group }));
    const users = res.users ?? [];
    await redis.set(key, JSON.stringify(users), 'EX', GROUP_TTL_SECONDS);
    return users;
  }

  return {
    async actorFor(userId: string, channelId?: string | null): Promise<Actor> {
      const mine: string[] = [];
      for (const g of groups) if ((await membersOf(g)).includes(userId)) mine.push(g);
      if (channelId && approvals.security.channels.includes(channelId)) mine.push(channelId);
      return { userId, groups: mine };
    },
  };
}
export type Access = ReturnType<typeof createAccess>;
