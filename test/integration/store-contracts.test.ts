import { describe } from 'vitest';
import { createFindingsStore } from '../../src/adapters/redis/findings.js';
import { createScanLocks } from '../../src/adapters/redis/scan-lock.js';
import { createScopeProgressStore } from '../../src/adapters/redis/scope-progress.js';
import { findingsStoreContract } from '../contract/findings-store.contract.js';
import { scanLocksContract } from '../contract/scan-locks.contract.js';
import { scopeProgressContract } from '../contract/scope-progress.contract.js';
import { createMemoryFindingsStore } from '../support/fakes/findings-store.js';
import { createMemoryScanLocks } from '../support/fakes/scan-locks.js';
import { createMemoryScopeProgress } from '../support/fakes/scope-progress.js';
import { testRedis } from '../support/redis-prefix.js';

/**
 * The same contract suites against the Redis adapters (the real redis-server of global-setup)
 * and the in-memory fakes the use-case tests run on: a fake that passes them behaves as Redis does.
 */
describe('Redis adapters', () => {
  const { redis, freshPrefix } = testRedis();
  findingsStoreContract('Redis', () => createFindingsStore({ redis, prefix: freshPrefix() }));
  scanLocksContract('Redis', () => createScanLocks({ redis, prefix: freshPrefix() }));
  scopeProgressContract('Redis', () => createScopeProgressStore({ redis, prefix: freshPrefix() }));
});

describe('in-memory fakes', () => {
  findingsStoreContract('memory', createMemoryFindingsStore);
  scanLocksContract('memory', () => createMemoryScanLocks());
  scopeProgressContract('memory', createMemoryScopeProgress);
});
