import type { ScanJobData, ScopeJobData } from '../../../src/domain/findings/scan.js';
import type { ScanJobState, ScanQueue } from '../../../src/domain/ports/queues.js';

/** The scan queue in memory: what was enqueued, and a state per scan the test sets. */
export function createMemoryScanQueue() {
  const enqueued: { scan: ScanJobData; scopes: ScopeJobData[] }[] = [];
  const states = new Map<string, ScanJobState>();
  const queue: ScanQueue = {
    async enqueue(scan, scopes) {
      enqueued.push({ scan, scopes });
      states.set(scan.scanId, { state: 'running' });
    },
    async state(scanId) {
      return states.get(scanId) ?? null;
    },
    async finished(scanId) {
      const s = states.get(scanId);
      if (s?.state === 'completed') return s.returnValue;
      if (s?.state === 'failed') throw new Error(s.reason);
      return new Promise(() => undefined); // never: the use case's polling sees the state change
    },
    async progress(scanId) {
      const job = enqueued.find((e) => e.scan.scanId === scanId);
      return job ? { done: 0, total: job.scopes.length } : null;
    },
  };
  return { queue, enqueued, states };
}
