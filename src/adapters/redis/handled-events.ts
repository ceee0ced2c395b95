import type { HandledEvents } from '../../domain/ports/drift.js';
import type { RedisClient } from './connection.js';
import { redisKeys } from './keys.js';

/** EventBridge may deliver an event more than once, hours apart at worst: ids are kept a day. */
const HANDLED_TTL_SECONDS = 86_400;

/** One key per handled event (keys.ts driftHandled), expiring after a day. */
export function createHandledEvents({
  redis,
  prefix,
}: {
  redis: RedisClient;
  prefix: string;
}): HandledEvents {
  const key = redisKeys(prefix).driftHandled;
  return {
    seen: async (eventId) => (await redis.exists(key(eventId))) === 1,
    mark: async (eventId) => {
      await redis.set(key(eventId), '1', 'EX', HANDLED_TTL_SECONDS);
    },
  };
}
