import { pick, type Rng, weighted } from './prng.js';

/** Owner pools and the varying ways people tag ownership. */

const FIRST = [
  'alice',
  'bruno',
  'chen',
  'dana',
  'emeka',
  'fatima',
  'gustav',
  'hana',
  'ivan',
  'julia',
  'kofi',
  'lena',
];
const LAST = [
  'martin',
  'okafor',
  'nguyen',
  'schmidt',
  'rossi',
  'tanaka',
  'silva',
  'novak',
  'haddad',
  'kowalski',
];
export const DEFAULT_TEAMS = [
  'payments',
  'search',
  'platform',
  'data',
  'identity',
  'checkout',
  'mobile',
  'ml',
  'infra',
  'growth',
  'billing',
  'security',
];

export function defaultEmails(count = 40): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const first = FIRST[i % FIRST.length] as string;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
    out.push(`${first}.${last}@example.com`);
  }
  return out;
}

type TagForm =
  | 'owner'
  | 'ownerEmail'
  | 'team'
  | 'ownerMixedCase'
  | 'ownerNoDomain'
  | 'ownerLowerKey'
  | 'teamCapital'
  | 'ownerAndTeam';

const FORMS: Record<TagForm, number> = {
  owner: 35,
  ownerEmail: 20,
  team: 20,
  ownerMixedCase: 5,
  ownerNoDomain: 5,
  ownerLowerKey: 5,
  teamCapital: 5,
  ownerAndTeam: 5,
};

const mixedCase = (email: string): string =>
  email
    .replace(/(^|\.)([a-z])/g, (_m, dot: string, c: string) => dot + c.toUpperCase())
    .replace('@example.com', '@Example.com');

/** Owner tags in one of several real-world forms. */
export function ownerTags(rng: Rng, email: string, team: string): Record<string, string> {
  switch (weighted(rng, FORMS)) {
    case 'owner':
      return { Owner: email };
    case 'ownerEmail':
      return { OwnerEmail: email };
    case 'team':
      return { team };
    case 'ownerMixedCase':
      return { Owner: mixedCase(email) };
    case 'ownerNoDomain':
      return { Owner: email.split('@')[0] ?? email };
    case 'ownerLowerKey':
      return { owner: email };
    case 'teamCapital':
      return { Team: team };
    case 'ownerAndTeam':
      return { Owner: email, team };
  }
}

export const ROLES = [
  'web',
  'api',
  'worker',
  'batch',
  'db-proxy',
  'cache',
  'etl',
  'bastion',
  'ingest',
  'scheduler',
];
export const INSTANCE_TYPES = [
  't3.micro',
  't3.medium',
  'm5.large',
  'm6i.xlarge',
  'c6g.large',
  'r5.2xlarge',
  'c5.4xlarge',
];

export function environmentTag(rng: Rng, prodShare: number): string {
  if (rng() < prodShare) return 'prod';
  return pick(rng, ['staging', 'dev', 'dev', 'test']);
}
