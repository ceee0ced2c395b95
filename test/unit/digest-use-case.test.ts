import { describe, expect, it } from 'vitest';
import { type DigestDeps, planDigests } from '../../src/app/digest/plan-digests.js';
import { Workflow } from '../../src/config/workflow-schema.js';
import type { DigestCard } from '../../src/domain/findings/digest.js';
import { type Finding, instanceKey } from '../../src/domain/findings/model.js';
import type { OwnerRoute } from '../../src/domain/findings/owner-route.js';
import type { OwnerHome } from '../../src/domain/ports/digest.js';
import { makeFinding, makeScanError, makeSnapshot } from '../support/factories.js';
import { createMemoryFindingsStore } from '../support/fakes/findings-store.js';
import { memoryLogger } from '../support/fakes/logger.js';

const environment = Workflow.shape.environment.parse(undefined);
const T0 = new Date('2026-03-01T10:00:00.000Z');
const ROUTES: Record<string, OwnerRoute> = {
  'ana@example.com': { kind: 'user', userId: 'UANA', label: 'Ana' },
  payments: { kind: 'channel', channelId: 'CPAY', label: '#payments' },
  'gone@example.com': { kind: 'unrouted', reason: 'tag owner=gone@example.com has no Slack user' },
};
const owned = (owner: string | null, partial: Partial<Finding> = {}) =>
  makeFinding({ owner, ownerTag: owner ? 'owner' : null, ...partial });

async function rig(
  findings: Finding[],
  opts: { securityChannel?: string; previous?: Record<string, string> } = {},
) {
  const store = createMemoryFindingsStore();
  const snap = makeSnapshot({ findings, partialErrors: [makeScanError({ stage: 'usage', partial: true })] });
  await store.commitSnapshot(snap, { became: [], cleared: [] }, T0);
  const delivered: DigestCard[] = [];
  const homes: OwnerHome[] = [];
  const snoozed = new Set<string>();
  const log = memoryLogger();
  const deps: DigestDeps = {
    findings: store,
    owners: {
      resolveMany: async (refs) =>
        new Map(
          refs.flatMap((r) => (ROUTES[r.owner] ? [[r.owner, ROUTES[r.owner] as OwnerRoute] as const] : [])),
        ),
    },
    snoozes: {
      active: async (keys) =>
        new Map(keys.filter((k) => snoozed.has(k)).map((k) => [k, { instanceId: k.split(':')[2] ?? '' }])),
    },
    fingerprints: { previous: async () => new Map(Object.entries(opts.previous ?? {})) },
    outbox: {
      deliver: async (cards) => void delivered.push(...cards),
      saveHomes: async (h) => void homes.push(...h),
    },
    log,
    now: () => T0,
    settings: { cadence: 'on-change', securityChannel: opts.securityChannel, environment },
  };
  return { deps, store, delivered, homes, snoozed, log };
}

describe('planning digests (against fakes)', () => {
  it('gives each owner a card with only their instances; unowned and unrouted ones go to security with why', async () => {
    const ana = owned('ana@example.com', { instanceId: 'i-ana' });
    const pay = owned('payments', { instanceId: 'i-pay' });
    const gone = owned('gone@example.com', { instanceId: 'i-gone' });
    const none = owned(null, { instanceId: 'i-none' });
    const fine = owned('ana@example.com', { instanceId: 'i-ok', readiness: 'compliant' });
    const r = await rig([ana, pay, gone, none, fine], { securityChannel: 'CSEC' });

    expect(await planDigests(r.deps, false)).toEqual({ planned: 3, owners: 3 });
    const byKey = new Map(r.delivered.map((c) => [c.digest.ownerKey, c]));
    expect(byKey.get('user:UANA')).toMatchObject({
      channel: 'UANA',
      owner: { label: 'Ana', mention: { kind: 'user', id: 'UANA' } },
      shown: [ana],
      reasons: [],
      fallbackChannel: 'CSEC',
    });
    expect(byKey.get('user:UANA')?.coverage).toMatchObject([{ stage: 'usage' }]);
    expect(byKey.get('channel:CPAY')).toMatchObject({
      channel: 'CPAY',
      owner: { label: '#payments' },
      shown: [pay],
    });
    expect(byKey.get('security')).toMatchObject({
      channel: 'CSEC',
      owner: { label: 'unowned and unreachable owners' },
      reasons: expect.arrayContaining([
        { why: 'tag owner=gone@example.com has no Slack user', count: 1 },
        { why: 'no owner tag', count: 1 },
      ]),
    });
    expect(r.homes).toEqual([
      {
        userId: 'UANA',
        total: 1,
        rows: [
          {
            instanceId: 'i-ana',
            name: null,
            accountId: ana.accountId,
            region: ana.region,
            readiness: 'ready',
            calls: 0,
          },
        ],
      },
    ]);
  });

  it('--env nonprod: only non-production laggards; App Home and the production regressions are left for the full digest', async () => {
    const dev = owned('ana@example.com', { instanceId: 'i-dev', tags: { Environment: 'dev' } });
    const prod = owned('ana@example.com', { instanceId: 'i-prod', tags: { Environment: 'prod' } });
    const untagged = owned('payments', { instanceId: 'i-untagged' });
    const r = await rig([dev, prod, untagged]);
    await r.store.commitSnapshot(
      makeSnapshot({ findings: [dev, prod, untagged] }),
      { became: [], cleared: [], regressed: [instanceKey(dev), instanceKey(prod)] },
      T0,
    );

    expect(await planDigests(r.deps, false, 'nonprod')).toEqual({ planned: 1, owners: 1 });
    expect(r.delivered.map((c) => c.shown.map((f) => f.instanceId))).toEqual([['i-dev']]);
    expect(r.homes).toEqual([]);
    expect(await r.store.pendingRegressions()).toEqual(new Map([[instanceKey(prod), 'changed']]));
  });

  it('full and --env nonprod digests keep their own fingerprints: neither makes the other post, nor tells a production owner "all fixed"', async () => {
    const prod = owned('ana@example.com', { instanceId: 'i-prod', tags: { Environment: 'prod' } });
    const dev = owned('payments', { instanceId: 'i-dev', tags: { Environment: 'dev' } });
    const full = await rig([prod, dev]);
    await planDigests(full.deps, false);
    const recorded = Object.fromEntries(
      full.delivered.map((c) => [c.fingerprintKey, c.digest.fingerprint] as const),
    );
    expect(Object.keys(recorded).sort()).toEqual(['channel:CPAY', 'user:UANA']);

    // Ana has no non-production laggard: the nonprod digest has nothing to tell her
    const nonprod = await rig([prod, dev], { previous: recorded });
    expect(await planDigests(nonprod.deps, false, 'nonprod')).toEqual({ planned: 1, owners: 1 });
    expect(nonprod.delivered.map((c) => [c.fingerprintKey, c.shown.map((f) => f.instanceId)])).toEqual([
      ['nonprod|channel:CPAY', ['i-dev']],
    ]);

    // and the nonprod digest's fingerprint does not stand in for the full one, nor the other way
    const both = { ...recorded, 'nonprod|channel:CPAY': nonprod.delivered[0]?.digest.fingerprint ?? '' };
    const fullAgain = await rig([prod, dev], { previous: both });
    expect(await planDigests(fullAgain.deps, false)).toEqual({ planned: 0, owners: 2 });
    const nonprodAgain = await rig([prod, dev], { previous: both });
    expect(await planDigests(nonprodAgain.deps, false, 'nonprod')).toEqual({ planned: 0, owners: 1 });
  });

  it('posts nothing unchanged, and only regressions when asked; told regressions are cleared', async () => {
    const ana = owned('ana@example.com', { instanceId: 'i-ana' });
    const first = await rig([ana]);
    await planDigests(first.deps, false);
    const fingerprint = first.delivered[0]?.digest.fingerprint ?? '';

    const again = await rig([ana], { previous: { 'user:UANA': fingerprint } });
    expect(await planDigests(again.deps, false)).toEqual({ planned: 0, owners: 1 });

    const regressed = await rig([ana], { previous: { 'user:UANA': fingerprint } });
    await regressed.store.commitSnapshot(
      makeSnapshot({ findings: [ana] }),
      { became: [], cleared: [], regressed: [instanceKey(ana)] },
      T0,
    );
    expect(await planDigests(regressed.deps, true)).toEqual({ planned: 1, owners: 1 });
    expect(regressed.delivered[0]?.digest.regressedIds).toEqual(['i-ana']);
    expect(await regressed.store.pendingRegressions()).toEqual(new Map());
  });

  it('without a security channel, unowned laggards are not posted and that is said once per digest', async () => {
    const r = await rig([owned(null, { instanceId: 'i-none' })]);
    expect(await planDigests(r.deps, false)).toEqual({ planned: 0, owners: 1 });
    expect(r.log.lines).toEqual([
      {
        level: 'warn',
        msg: 'no slack.securityChannel configured: unowned and unrouted laggards are not posted',
        meta: { owner: 'security' },
      },
    ]);
  });

  it('a snoozed instance is left off its owner card', async () => {
    const a = owned('ana@example.com', { instanceId: 'i-a' });
    const b = owned('ana@example.com', { instanceId: 'i-b' });
    const r = await rig([a, b]);
    r.snoozed.add(instanceKey(b));
    await planDigests(r.deps, false);
    expect(r.delivered[0]?.shown).toEqual([a]);
    expect(r.delivered[0]?.digest.snoozedIds).toEqual(['i-b']);
  });
});
