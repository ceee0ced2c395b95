import { describe, expect, it } from 'vitest';
import type { ScanLocks } from '../../src/domain/ports/scan-state.js';

/** One running scan per lock id, whatever holds the locks. */
export function scanLocksContract(name: string, fresh: () => ScanLocks): void {
  describe(`scan locks contract: ${name}`, () => {
    it('gives the lock to one holder and tells the others who has it', async () => {
      const locks = fresh();
      expect(await locks.holder('wf:*:*')).toBeNull();
      expect(await locks.acquire('wf:*:*', 'scan-a|1')).toEqual({ acquired: true, holder: 'scan-a|1' });
      expect(await locks.acquire('wf:*:*', 'scan-b|2')).toEqual({ acquired: false, holder: 'scan-a|1' });
      expect(await locks.acquire('wf:111111111111:*', 'scan-c|3')).toEqual({
        acquired: true,
        holder: 'scan-c|3',
      });
      expect(await locks.holder('wf:*:*')).toBe('scan-a|1');
    });

    it('is released only by its holder', async () => {
      const locks = fresh();
      await locks.acquire('wf', 'scan-a|1');
      await locks.release('wf', 'scan-b|2');
      expect(await locks.holder('wf')).toBe('scan-a|1');
      await locks.release('wf', 'scan-a|1');
      expect(await locks.holder('wf')).toBeNull();
      expect((await locks.acquire('wf', 'scan-b|2')).acquired).toBe(true);
    });

    it('is taken over from a stale holder, and only from that one', async () => {
      const locks = fresh();
      await locks.acquire('wf', 'scan-a|1');
      expect(await locks.steal('wf', 'scan-x|0', 'scan-b|2')).toBe(false);
      expect(await locks.holder('wf')).toBe('scan-a|1');
      expect(await locks.steal('wf', 'scan-a|1', 'scan-b|2')).toBe(true);
      expect(await locks.holder('wf')).toBe('scan-b|2');
    });
  });
}
