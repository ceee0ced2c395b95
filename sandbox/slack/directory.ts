import { dmIdFor } from './ids.js';
import type { SeedChannel, SeedUser } from './schema.js';
import type { SlackChannel, SlackUser } from './types.js';

export type ConversationLookup =
  | { ok: true; channel: SlackChannel }
  | { ok: false; error: 'channel_not_found' | 'user_disabled' | 'cannot_dm_bot' };

function toSlackUser(seed: SeedUser, teamId: string): SlackUser {
  const realName = seed.real_name ?? seed.name;
  const profile: SlackUser['profile'] = { real_name: realName, display_name: seed.name, team: teamId };
  if (seed.email !== undefined) profile.email = seed.email;
  return {
    id: seed.id,
    team_id: teamId,
    name: seed.name,
    deleted: seed.deleted ?? false,
    real_name: realName,
    tz: seed.tz ?? 'Europe/London',
    is_bot: seed.is_bot ?? false,
    is_app_user: false,
    updated: 1_700_000_000,
    profile,
  };
}

/** Users, usergroups and conversations of the one workspace. */
export class Directory {
  private readonly users = new Map<string, SlackUser>();
  private readonly byEmail = new Map<string, SlackUser>();
  private readonly order: string[] = [];
  private readonly position = new Map<string, number>();
  private readonly groups = new Map<string, string[]>();
  private readonly channels = new Map<string, SlackChannel>();

  constructor(private readonly teamId: string) {}

  addUser(seed: SeedUser): SlackUser {
    const user = toSlackUser(seed, this.teamId);
    if (!this.position.has(user.id)) {
      this.position.set(user.id, this.order.length);
      this.order.push(user.id);
    }
    this.users.set(user.id, user);
    if (seed.email) this.byEmail.set(seed.email.toLowerCase(), user);
    return user;
  }

  addChannel(seed: SeedChannel): void {
    this.channels.set(seed.id, { id: seed.id, name: seed.name });
  }

  setUsergroup(id: string, members: readonly string[]): void {
    this.groups.set(id, [...members]);
  }

  user(id: string): SlackUser | undefined {
    return this.users.get(id);
  }

  userByEmail(email: string): SlackUser | undefined {
    return this.byEmail.get(email.toLowerCase());
  }

  usergroup(id: string): string[] | undefined {
    return this.groups.get(id);
  }

  userCount(): number {
    return this.order.length;
  }

  /** users.list order: the order they were added. */
  userPage(start: number, limit: number): SlackUser[] {
    return this.order.slice(start, start + limit).flatMap((id) => this.users.get(id) ?? []);
  }

  /** users.list position of a user; -1 when unknown. */
  userIndex(id: string): number {
    return this.position.get(id) ?? -1;
  }

  channel(id: string): SlackChannel | undefined {
    return this.channels.get(id);
  }

  /** Channels, then DMs, in the order they were added or opened. */
  channelList(): SlackChannel[] {
    const all = [...this.channels.values()];
    return [...all.filter((c) => !c.user), ...all.filter((c) => c.user)];
  }

  /** The DM with a user, opened on first use (conversations.open, or chat.postMessage to a U… id). */
  openDm(userId: string): ConversationLookup {
    const user = this.users.get(userId);
    if (!user) return { ok: false, error: 'channel_not_found' };
    if (user.deleted) return { ok: false, error: 'user_disabled' };
    if (user.is_bot) return { ok: false, error: 'cannot_dm_bot' };
    const id = dmIdFor(userId);
    const existing = this.channels.get(id);
    if (existing) return { ok: true, channel: existing };
    const channel: SlackChannel = { id, name: id, user: userId };
    this.channels.set(id, channel);
    return { ok: true, channel };
  }

  /** A conversation id (C/G/D) or a user id (U/W → their DM). */
  resolve(target: string): ConversationLookup {
    if (/^[UW]/.test(target)) return this.openDm(target);
    const channel = this.channels.get(target);
    return channel ? { ok: true, channel } : { ok: false, error: 'channel_not_found' };
  }
}
