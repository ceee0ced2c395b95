import {
  assertNoEviction,
  describeDurability,
  durabilityWarning,
  readRedisDurability,
} from '../adapters/redis/redis-policy.js';
import { approvalDeadEnds } from '../domain/change/approval-dead-ends.js';
import { CodedError } from '../domain/errors.js';
import type { App } from '../main.js';

/**
 * Before `serve` or `worker` starts: a Redis that may evict is refused (one line, exit 2); one that
 * would lose recent writes on a restart (no AOF, no replica) is a loud warning, once.
 */
export async function checkRedisBeforeStart(app: App, err: NodeJS.WritableStream): Promise<number | null> {
  const d = await readRedisDurability(app.redis);
  try {
    assertNoEviction(d);
  } catch (e) {
    if (!(e instanceof CodedError)) throw e;
    err.write(`imds-bot: refusing to start: ${e.message}\n`);
    return 2;
  }
  const warning = durabilityWarning(d);
  if (warning) {
    app.log.warn({ aof: d.aof, replicas: d.replicas }, 'redis can lose data on restart');
    err.write(`imds-bot: WARNING: ${warning}\n`);
  }
  return null;
}

/** `imds-bot health`: Redis answers, and what it would do under memory pressure or a restart. */
export async function health(app: App, out: NodeJS.WritableStream): Promise<number> {
  if ((await app.redis.ping()) !== 'PONG') return 1;
  const d = await readRedisDurability(app.redis);
  out.write(`${describeDurability(d)}\n`);
  for (const dead of approvalDeadEnds(app.workflow.approvals))
    out.write(`approvals: WARNING (${dead.rule}): ${dead.message}\n`);
  return d.maxmemoryPolicy === 'noeviction' ? 0 : 1;
}
