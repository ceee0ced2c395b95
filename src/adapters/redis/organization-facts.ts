import { OrganizationFacts } from '../../domain/guardrails/organization-facts.js';
import type { RedisClient } from './connection.js';
import { readJson } from './json.js';
import { redisKeys } from './keys.js';

/**
 * `<prefix>:org-policies`: the organization's policies as the latest scan in organizations mode
 * read them (one value; a scan that could not read them leaves the last one in place).
 */
export function createOrganizationFactsStore({ redis, prefix }: { redis: RedisClient; prefix: string }) {
  const key = redisKeys(prefix).organizationPolicies();
  return {
    async put(facts: OrganizationFacts): Promise<void> {
      await redis.set(key, JSON.stringify(OrganizationFacts.parse(facts)));
    },
    async latest(): Promise<OrganizationFacts | null> {
      const raw = await redis.get(key);
      return raw === null ? null : readJson(OrganizationFacts, raw, 'organization policies');
    },
  };
}
export type OrganizationFactsStore = ReturnType<typeof createOrganizationFactsStore>;
