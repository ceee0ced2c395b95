import { describe, expect, it } from 'vitest';
import type { ScopeProgress } from '../../src/domain/findings/scope-progress.js';
import type { ScopeProgressStore } from '../../src/domain/ports/scan-state.js';
import { makeInstance, makeLaunchTemplate, makeScanError, makeUsage } from '../support/factories.js';

const scope = { accountId: '111111111111', region: 'eu-west-1' };

/** What a failed attempt of a scope job leaves for the next one, whatever keeps it. */
export function scopeProgressContract(name: string, fresh: () => ScopeProgressStore): void {
  describe(`scope progress contract: ${name}`, () => {
    it('gives back what an attempt saved, per scan and scope, until cleared', async () => {
      const store = fresh();
      const progress: ScopeProgress = {
        instances: { instances: [makeInstance({ ...scope })], errors: [] },
        launchTemplates: { ok: true, value: [makeLaunchTemplate()] },
        accountDefault: { ok: false, error: makeScanError({ stage: 'account-default', partial: true }) },
        usage: { ok: true, value: [['i-1', makeUsage({ noTokenCalls: 3 })]] },
      };
      expect(await store.load('scan-1', scope)).toEqual({});
      await store.save('scan-1', scope, progress);

      expect(await store.load('scan-1', scope)).toEqual(progress);
      expect(await store.load('scan-2', scope)).toEqual({});
      expect(await store.load('scan-1', { ...scope, region: 'us-east-1' })).toEqual({});
      await store.clear('scan-1', scope);
      expect(await store.load('scan-1', scope)).toEqual({});
    });

    it('a later save replaces the earlier one', async () => {
      const store = fresh();
      await store.save('scan-1', scope, { launchTemplates: { ok: true, value: [] } });
      await store.save('scan-1', scope, { accountDefault: { ok: true, value: null } });
      expect(await store.load('scan-1', scope)).toEqual({ accountDefault: { ok: true, value: null } });
    });
  });
}
