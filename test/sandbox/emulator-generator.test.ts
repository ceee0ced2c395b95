import { describe, expect, it } from 'vitest';
import { type Fleet, generateFleet, memberAccounts } from '../../sandbox/aws/index.js';

const NOW = new Date('2025-03-15T12:00:00Z');
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

/** Everything in a fleet, as plain data. */
function dump(fleet: Fleet): unknown {
  return fleet.accounts().map((account) => ({
    account,
    scopes: account.enabledRegions.map((region) => {
      const scope = fleet.scope(account.id, region);
      return {
        instances: scope?.instances,
        templates: scope?.templates.map((t) => ({ ...t, versions: [...t.versions.values()] })),
        asgs: scope?.asgs.map((g) => ({ ...g, instanceIds: [...g.instanceIds] })),
        accountDefault: scope?.accountDefault,
      };
    }),
  }));
}

function allInstances(fleet: Fleet) {
  return fleet
    .accounts()
    .flatMap((a) => a.enabledRegions.flatMap((r) => fleet.scope(a.id, r)?.instances ?? []));
}

describe('generateFleet', () => {
  it('makes the same fleet from the same seed, and another from another seed', () => {
    const spec = { seed: 42, now: NOW, instances: 3000, accounts: 4, regions: REGIONS };

    const first = dump(generateFleet(spec));
    const again = dump(generateFleet(spec));
    const other = dump(generateFleet({ ...spec, seed: 43 }));

    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('spreads plausible instances over the accounts and regions as the spec asks', () => {
    const fleet = generateFleet({
      seed: 7,
      now: NOW,
      instances: 6000,
      accounts: 6,
      regions: REGIONS,
      v1Share: 0.3,
      terminated: 2,
    });
    const instances = allInstances(fleet);
    const share = (test: (i: (typeof instances)[number]) => boolean) =>
      instances.filter(test).length / instances.length;
    const members = memberAccounts(fleet);

    expect(instances).toHaveLength(6000);
    expect(instances.every((i) => /^i-[0-9a-f]{17}$/.test(i.instanceId))).toBe(true);
    expect(new Set(instances.map((i) => i.instanceId)).size).toBe(6000);
    expect(share((i) => i.metadata.httpTokens === 'optional')).toBeGreaterThan(0.22);
    expect(share((i) => i.metadata.httpTokens === 'optional')).toBeLessThan(0.34);
    expect(share((i) => i.asgName !== null)).toBeGreaterThan(0.15);
    expect(share((i) => i.launchTime > NOW.getTime() - 14 * 86_400_000)).toBeGreaterThan(0.05);
    expect(
      share((i) => Object.keys(i.tags).some((k) => /^(owner|owneremail|team)$/i.test(k))),
    ).toBeGreaterThan(0.8);
    expect(share((i) => 'eks:cluster-name' in i.tags || 'AmazonECSManaged' in i.tags)).toBeGreaterThan(0.02);
    expect(instances.filter((i) => i.state === 'terminated')).toHaveLength(2);
    expect(instances.some((i) => i.state === 'stopped')).toBe(true);
    expect(instances.some((i) => i.metadata.httpEndpoint === 'disabled')).toBe(true);
    expect(members).toHaveLength(6);
    expect(members[0]?.roleArn).toMatch(/^arn:aws:iam::\d{12}:role\/ImdsBotScanner$/);
  });

  it('makes launch templates that enforce tokens and some that do not', () => {
    const fleet = generateFleet({ seed: 3, now: NOW, instances: 3000, accounts: 3, regions: REGIONS });
    const templates = fleet
      .accounts()
      .flatMap((a) => a.enabledRegions.flatMap((r) => fleet.scope(a.id, r)?.templates ?? []));
    const enforcing = (t: (typeof templates)[number]) =>
      t.versions.get(t.defaultVersion)?.data.metadataOptions?.httpTokens === 'required';

    expect(templates.every((t) => /^lt-[0-9a-f]{17}$/.test(t.launchTemplateId))).toBe(true);
    expect(templates.some(enforcing)).toBe(true);
    expect(templates.some((t) => !enforcing(t))).toBe(true);
  });

  it('applies the declarative-policy and denied-account options', () => {
    const fleet = generateFleet({
      seed: 5,
      now: NOW,
      instances: 10,
      accounts: 3,
      regions: REGIONS,
      declarativePolicyAccounts: 1,
      deniedAccounts: 1,
    });
    const [first, , last] = memberAccounts(fleet);

    expect(fleet.scope(first?.id ?? '', 'eu-west-1')?.accountDefault.managedBy).toBe('declarative-policy');
    expect(fleet.account(last?.id ?? '')?.denyAssumeRole).toBe(true);
  });
});
