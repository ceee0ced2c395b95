import { lastAnchorOfQueue } from '../adapters/metrics/shared-state.js';
import { createAuditStore } from '../adapters/redis/audit.js';
import { createChangeRequestStore } from '../adapters/redis/change-requests.js';
import type { Core } from './core.js';

/** The /metrics endpoint's own connection, the stores it counts and the anchor queue's last job. */
export function metricsSources(core: Core) {
  const redis = core.connect('metrics');
  const on = { redis, prefix: core.config.prefix };
  const anchorJobs = lastAnchorOfQueue(redis, core.config.prefix, core.queueDeps.onError);
  core.onClose(() => anchorJobs.close());
  return { redis, audit: createAuditStore(on), requests: createChangeRequestStore(on), anchorJobs };
}
