import { describe, expect, it } from 'vitest';
import { instanceKey } from '../../src/domain/findings/model.js';
import type { ScanRecord } from '../../src/domain/findings/scan.js';
import type { FindingsStore } from '../../src/domain/ports/findings.js';
import { makeFinding, makeSnapshot } from '../support/factories.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const later = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const A = '111111111111';
const B = '222222222222';

const record = (scanId: string): ScanRecord => ({
  scanId,
  workflow: 'fleet',
  trigger: { kind: 'cli', by: null },
  startedAt: T0.toISOString(),
  finishedAt: later(60).toISOString(),
  scopes: [`${A}:eu-west-1`],
  filter: null,
  summary: { laggards: 1 },
  diff: { new: 1, fixed: 0, regressed: 0, gone: 0 },
  mttrSeconds: null,
  remediated: 0,
  errors: [],
});

/** What the scan and the digest rely on from a findings store, whatever holds it. */
export function findingsStoreContract(name: string, fresh: () => FindingsStore): void {
  describe(`findings store contract: ${name}`, () => {
    it('keeps the latest snapshot of each scope, listed by scope key and by account', async () => {
      const store = fresh();
      const scope = { accountId: B, region: 'us-east-1' };
      expect(await store.getSnapshot(scope)).toBeNull();
      const first = makeSnapshot({ ...scope, scanId: 's1', findings: [makeFinding({ ...scope })] });
      const second = makeSnapshot({ ...scope, scanId: 's2', findings: [] });
      const other = makeSnapshot({ accountId: A, region: 'eu-west-1', scanId: 's2' });
      await store.commitSnapshot(first, { became: [], cleared: [] }, T0);
      await store.commitSnapshot(second, { became: [], cleared: [] }, later(1));
      await store.commitSnapshot(other, { became: [], cleared: [] }, later(1));

      expect(await store.getSnapshot(scope)).toEqual(second);
      expect(await store.latestSnapshots()).toEqual([other, second]);
      expect(await store.latestSnapshots(B)).toEqual([second]);
    });

    it('keeps the first time an instance became a laggard and tells how long it was one once cleared', async () => {
      const store = fresh();
      const f = makeFinding({ accountId: A, region: 'eu-west-1', instanceId: 'i-0a' });
      const key = instanceKey(f);
      const snap = makeSnapshot({ accountId: A, region: 'eu-west-1', findings: [f] });
      await store.commitSnapshot(snap, { became: [key], cleared: [] }, T0);
      await store.commitSnapshot(snap, { became: [key], cleared: [] }, later(600)); // still the first time
      expect(await store.laggardSince([key, `${A}:eu-west-1:i-never`])).toEqual([T0.toISOString(), null]);

      const seconds = await store.commitSnapshot(
        snap,
        { became: [], cleared: [key, `${A}:eu-west-1:i-never`] },
        later(3600),
      );
      expect(seconds).toEqual([3600]);
      expect(await store.laggardSince([key])).toEqual([null]);
      expect(await store.laggardSince([])).toEqual([]);
    });

    it('holds regressions, each with its cause (launched so, or changed back), until they are told', async () => {
      const store = fresh();
      const snap = makeSnapshot({ accountId: A, region: 'eu-west-1' });
      const keys = [`${A}:eu-west-1:i-1`, `${A}:eu-west-1:i-2`];
      expect(await store.pendingRegressions()).toEqual(new Map());
      await store.commitSnapshot(
        snap,
        { became: keys, cleared: [], regressed: keys, launched: [keys[1] ?? ''] },
        T0,
      );
      expect(await store.pendingRegressions()).toEqual(
        new Map([
          [keys[0], 'changed'],
          [keys[1], 'launched'],
        ]),
      );
      await store.clearRegressions([keys[1] ?? '']);
      await store.clearRegressions([]);
      expect(await store.pendingRegressions()).toEqual(new Map([[keys[0], 'changed']]));
      await store.commitSnapshot(snap, { became: [], cleared: [], regressed: [keys[1] ?? ''] }, T0);
      expect((await store.pendingRegressions()).get(keys[1] ?? '')).toBe('changed'); // its launch was told
    });

    it('watches enforced instances for `days`, oldest first, per scope', async () => {
      const store = fresh();
      const scope = { accountId: A, region: 'eu-west-1' };
      await store.watch({ ...scope, instanceId: 'i-old' }, 'cr-1', T0);
      await store.watch({ ...scope, instanceId: 'i-new' }, 'cr-2', later(86_400));
      await store.watch({ ...scope, instanceId: 'i-mid' }, 'cr-3', later(3600));
      await store.watch({ accountId: B, region: 'eu-west-1', instanceId: 'i-elsewhere' }, 'cr-4', T0);

      expect(await store.watched(scope, later(86_400), 7)).toEqual(['i-old', 'i-mid', 'i-new']);
      // seven days and a half hour after the first: it is forgotten, the others are kept
      expect(await store.watched(scope, later(7 * 86_400 + 1800), 7)).toEqual(['i-mid', 'i-new']);
      expect(await store.watched({ accountId: A, region: 'us-east-1' }, T0, 7)).toEqual([]);
    });

    it('keeps scan history newest first', async () => {
      const store = fresh();
      expect(await store.recentScans()).toEqual([]);
      for (const id of ['s1', 's2', 's3']) await store.appendScan(record(id));
      expect((await store.recentScans()).map((r) => r.scanId)).toEqual(['s3', 's2', 's1']);
      expect(await store.recentScans(1)).toEqual([record('s3')]);
    });
  });
}
