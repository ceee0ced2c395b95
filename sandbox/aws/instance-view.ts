import type { InstanceRecord, InstanceStateName } from './types.js';

/** Derived views of an instance at a point in time. */

export const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** Terminated instances stay visible for `retentionMs`, then disappear. */
export function isVisible(instance: InstanceRecord, nowMs: number, retentionMs: number): boolean {
  return instance.terminatedAt === null || nowMs - instance.terminatedAt < retentionMs;
}

export function metadataState(instance: InstanceRecord, nowMs: number): 'pending' | 'applied' {
  return nowMs < instance.metadataAppliedAt ? 'pending' : 'applied';
}
