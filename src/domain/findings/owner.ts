/**
 * Who owns an instance and whether it is production, read from its tags. Pure.
 */

export type Tags = Readonly<Record<string, string>>;

export interface OwnerMatch {
  owner: string;
  /** the tag key that named the owner, as spelled on the instance */
  ownerTag: string;
}

export interface EnvironmentRule {
  tag: string;
  prodValues: readonly string[];
}

interface TagHit {
  key: string;
  value: string;
}

const nonBlank = (value: string | undefined): string | null => {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
};

/** `wanted` spelled exactly, with a non-blank value. */
const exactTag = (tags: Tags, wanted: string): TagHit | null => {
  if (!Object.hasOwn(tags, wanted)) return null;
  const value = nonBlank(tags[wanted]);
  return value === null ? null : { key: wanted, value };
};

/** A key equal to `wanted` ignoring case, with a non-blank value; the smallest such key wins a tie. */
const looseTag = (tags: Tags, wanted: string): TagHit | null => {
  const lower = wanted.toLowerCase();
  let hit: TagHit | null = null;
  for (const [key, raw] of Object.entries(tags)) {
    const value = nonBlank(raw);
    if (value === null || key.toLowerCase() !== lower) continue;
    if (hit === null || key < hit.key) hit = { key, value };
  }
  return hit;
};

/**
 * The first of `ownerTags` (priority order) whose value, trimmed, is non-empty. Every exact key match
 * outranks every case-insensitive one (`owner` for `Owner`).
 */
export function ownerOf(tags: Tags, ownerTags: readonly string[]): OwnerMatch | null {
  const hit =
    firstHit(ownerTags, (key) => exactTag(tags, key)) ?? firstHit(ownerTags, (key) => looseTag(tags, key));
  return hit === null ? null : { owner: hit.value, ownerTag: hit.key };
}

const firstHit = (keys: readonly string[], find: (key: string) => TagHit | null): TagHit | null => {
  for (const key of keys) {
    const hit = find(key);
    if (hit !== null) return hit;
  }
  return null;
};

/**
 * Whether the environment tag names production: value compared trimmed and case-insensitively.
 * The key matches exactly, falling back to a case-insensitive match (`environment` for `Environment`).
 */
export function isProd(tags: Tags, env: EnvironmentRule): boolean {
  const hit = exactTag(tags, env.tag) ?? looseTag(tags, env.tag);
  if (hit === null) return false;
  const value = hit.value.toLowerCase();
  return env.prodValues.some((p) => p.trim().toLowerCase() === value);
}
