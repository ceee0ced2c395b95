import { DEFAULT_TEAMS, defaultEmails } from '../aws/generate-owners.js';
import { chance, mulberry32, pick, type Rng } from '../aws/prng.js';
import type { SeedChannel, SeedUser } from './schema.js';

const FIRST = [
  'Alice',
  'Bruno',
  'Chen',
  'Dana',
  'Emeka',
  'Fatima',
  'Gustav',
  'Hana',
  'Ivan',
  'Julia',
  'Kofi',
  'Lena',
];
const LAST = [
  'Martin',
  'Okafor',
  'Nguyen',
  'Schmidt',
  'Rossi',
  'Tanaka',
  'Silva',
  'Novak',
  'Haddad',
  'Kowalski',
];
const TIMEZONES = ['Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo'];

export interface GenerateWorkspaceOptions {
  users: number;
  seed?: number;
  /** share of people deactivated (deleted: true); default 0.02 */
  deletedShare?: number;
  /** share of bot users (no email); default 0.01 */
  botShare?: number;
  /** emails the first users get (default: the AWS emulator fleet's owner emails), then user<n>@example.com */
  ownerEmails?: readonly string[];
  /** one usergroup and one channel per team (default: the AWS emulator fleet's team tags) */
  teams?: readonly string[];
  /** members per usergroup; default 8 */
  groupSize?: number;
}

export interface GeneratedWorkspace {
  users: SeedUser[];
  /** usergroup id → member ids */
  usergroups: Record<string, string[]>;
  channels: SeedChannel[];
  /** team tag → usergroup id, and team tag → channel id (for owner routing in benchmarks) */
  teamUsergroups: Record<string, string>;
  teamChannels: Record<string, string>;
}

const pad = (n: number): string => String(n).padStart(8, '0');
export const generatedUserId = (n: number): string => `U${pad(n)}`;

function person(rng: Rng, n: number, email: string, deleted: boolean): SeedUser {
  const local = email.split('@')[0] ?? `user${n}`;
  const real = `${pick(rng, FIRST)} ${pick(rng, LAST)}`;
  const named = local.includes('.')
    ? local
        .split('.')
        .map((p) => p[0]?.toUpperCase() + p.slice(1))
        .join(' ')
    : real;
  const user: SeedUser = {
    id: generatedUserId(n),
    name: local,
    real_name: named,
    email,
    tz: pick(rng, TIMEZONES),
  };
  if (deleted) user.deleted = true;
  return user;
}

function bot(n: number): SeedUser {
  return { id: generatedUserId(n), name: `bot-${n}`, real_name: `Integration bot ${n}`, is_bot: true };
}

/** N plausible members, seeded: emails user<n>@example.com (owners' emails first), a few deleted, a few bots. */
export function generateUsers(opts: GenerateWorkspaceOptions): SeedUser[] {
  const rng = mulberry32(opts.seed ?? 1);
  const owners = opts.ownerEmails ?? defaultEmails(40);
  const users: SeedUser[] = [];
  for (let n = 1; n <= opts.users; n++) {
    const ownerEmail = owners[n - 1];
    if (!ownerEmail && chance(rng, opts.botShare ?? 0.01)) {
      users.push(bot(n));
      continue;
    }
    const deleted = chance(rng, opts.deletedShare ?? 0.02);
    users.push(person(rng, n, ownerEmail ?? `user${n}@example.com`, deleted));
  }
  return users;
}

/** Users, one usergroup (S…) and one channel (C…) per team, the usergroups filled from active people. */
export function generateWorkspace(opts: GenerateWorkspaceOptions): GeneratedWorkspace {
  const users = generateUsers(opts);
  const rng = mulberry32((opts.seed ?? 1) ^ 0x6e0);
  const people = users.filter((u) => !u.deleted && !u.is_bot);
  const teams = opts.teams ?? DEFAULT_TEAMS;
  const usergroups: Record<string, string[]> = {};
  const channels: SeedChannel[] = [{ id: 'C00000000', name: 'imds-bot' }];
  const teamUsergroups: Record<string, string> = {};
  const teamChannels: Record<string, string> = {};
  teams.forEach((team, i) => {
    const groupId = `S${pad(i + 1)}`;
    const channelId = `C${pad(i + 1)}`;
    const size = Math.min(opts.groupSize ?? 8, people.length);
    const members = new Set<string>();
    while (members.size < size) members.add(pick(rng, people).id);
    usergroups[groupId] = [...members];
    channels.push({ id: channelId, name: `team-${team}` });
    teamUsergroups[team] = groupId;
    teamChannels[team] = channelId;
  });
  return { users, usergroups, channels, teamUsergroups, teamChannels };
}
