import { describe, expect, it } from 'vitest';
import { isProd, ownerOf } from '../../src/domain/findings/owner.js';

const OWNER_TAGS = ['Owner', 'OwnerEmail', 'team'];

describe('ownerOf', () => {
  it.each([
    { name: 'no tags', tags: {}, want: null },
    { name: 'unrelated tags only', tags: { Name: 'web' }, want: null },
    {
      name: 'first priority',
      tags: { Owner: 'alice', team: 'core' },
      want: { owner: 'alice', ownerTag: 'Owner' },
    },
    {
      name: 'second priority when first absent',
      tags: { OwnerEmail: 'bob@example.com', team: 'core' },
      want: { owner: 'bob@example.com', ownerTag: 'OwnerEmail' },
    },
    { name: 'value trimmed', tags: { Owner: '  alice \t' }, want: { owner: 'alice', ownerTag: 'Owner' } },
    {
      name: 'blank value skipped',
      tags: { Owner: '   ', team: 'core' },
      want: { owner: 'core', ownerTag: 'team' },
    },
    {
      name: 'empty value skipped',
      tags: { Owner: '', team: 'core' },
      want: { owner: 'core', ownerTag: 'team' },
    },
    { name: 'every value blank', tags: { Owner: ' ', OwnerEmail: '', team: '\n' }, want: null },
    {
      name: 'case-insensitive key when no exact match',
      tags: { owner: 'carol' },
      want: { owner: 'carol', ownerTag: 'owner' },
    },
    {
      name: 'exact lower-priority key beats case-insensitive higher-priority key',
      tags: { owner: 'carol', team: 'core' },
      want: { owner: 'core', ownerTag: 'team' },
    },
    {
      name: 'case-insensitive matches keep priority order',
      tags: { TEAM: 'core', ownerEmail: 'dan@example.com' },
      want: { owner: 'dan@example.com', ownerTag: 'ownerEmail' },
    },
    {
      name: 'blank case-insensitive value skipped',
      tags: { owner: ' ', TEAM: 'core' },
      want: { owner: 'core', ownerTag: 'TEAM' },
    },
    {
      name: 'two case-insensitive spellings: smallest key wins',
      tags: { owner: 'erin', OWNER: 'frank' },
      want: { owner: 'frank', ownerTag: 'OWNER' },
    },
    {
      name: 'blank exact falls back to case-insensitive',
      tags: { Owner: '', OWNER: 'gus' },
      want: { owner: 'gus', ownerTag: 'OWNER' },
    },
  ])('$name', ({ tags, want }) => {
    expect(ownerOf(tags, OWNER_TAGS)).toEqual(want);
  });

  it('returns null when no owner tags are configured', () => {
    expect(ownerOf({ Owner: 'alice' }, [])).toBeNull();
  });
});

describe('isProd', () => {
  const env = { tag: 'Environment', prodValues: ['prod', 'production'] };

  it.each([
    { name: 'exact value', tags: { Environment: 'prod' }, want: true },
    { name: 'second value', tags: { Environment: 'production' }, want: true },
    { name: 'value case-insensitive', tags: { Environment: 'PROD' }, want: true },
    { name: 'value trimmed', tags: { Environment: ' Production ' }, want: true },
    { name: 'other value', tags: { Environment: 'staging' }, want: false },
    { name: 'prefix is not a match', tags: { Environment: 'prod-like' }, want: false },
    { name: 'blank value', tags: { Environment: '  ' }, want: false },
    { name: 'tag absent', tags: { Owner: 'alice' }, want: false },
    { name: 'no tags', tags: {}, want: false },
    { name: 'key case-insensitive fallback', tags: { environment: 'prod' }, want: true },
    {
      name: 'exact key wins over another spelling',
      tags: { Environment: 'dev', ENVIRONMENT: 'prod' },
      want: false,
    },
    { name: 'prod value on a different tag', tags: { Stage: 'prod' }, want: false },
  ])('$name', ({ tags, want }) => {
    expect(isProd(tags, env)).toBe(want);
  });

  it('trims and lower-cases the configured prod values too', () => {
    expect(isProd({ Environment: 'live' }, { tag: 'Environment', prodValues: [' LIVE '] })).toBe(true);
  });
});
