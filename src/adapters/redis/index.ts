import { createAckStore } from './acks.js';
import { createAuditStore } from './audit.js';
import { createCardStore } from './cards.js';
import { createChangeRequestStore } from './change-requests.js';
import type { RedisClient } from './connection.js';
import { createFindingsStore } from './findings.js';
import { createOrganizationFactsStore } from './organization-facts.js';
import { createScanLocks } from './scan-lock.js';
import { createScopeProgressStore } from './scope-progress.js';
import { createSlackCache } from './slack-cache.js';
import { createSlackDeliveryStore } from './slack-delivery.js';
import { createSlackStateStore } from './slack-state.js';
import { createSnoozeStore } from './snoozes.js';

/** Every store the bot keeps in Redis, over one connection and under one key prefix. */
export function createStores({
  replicas = 0,
  ...on
}: {
  redis: RedisClient;
  prefix: string;
  replicas?: number;
}) {
  return {
    findings: createFindingsStore(on),
    locks: createScanLocks(on),
    progress: createScopeProgressStore(on),
    audit: createAuditStore({ ...on, replicas }),
    cards: createCardStore(on),
    snoozes: createSnoozeStore(on),
    acks: createAckStore(on),
    requests: createChangeRequestStore(on),
    organization: createOrganizationFactsStore(on),
    slackState: createSlackStateStore(on),
    slackCache: createSlackCache(on),
    deliveries: createSlackDeliveryStore(on),
  };
}
export type Stores = ReturnType<typeof createStores>;
