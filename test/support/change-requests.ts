import {
  type ChangeRequest,
  createChangeRequest,
  type NewChangeRequest,
} from '../../src/domain/change/request-schema.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const T0 = new Date('2025-03-01T10:00:00.000Z');
/** T0 plus `h` hours. */
export const hours = (h: number): Date => new Date(T0.getTime() + h * 3_600_000);
export const alice = { userId: 'UALICE', name: 'alice' };

/** An instance in ACCOUNT / REGION, as a change request's target. */
export const instanceTarget = (instanceId: string) => ({
  type: 'instance' as const,
  accountId: ACCOUNT,
  region: REGION,
  instanceId,
});

let seq = 0;

/**
 * Request number n of this test file, created at `at`: id cr-<n>, enforce on instance i-<n>, by alice,
 * one approval, a 24-hour TTL; `over` replaces any of these.
 */
export const newRequest = (over: Partial<NewChangeRequest> = {}, at = T0): ChangeRequest =>
  createChangeRequest(
    {
      id: `cr-${++seq}`,
      kind: 'enforce',
      target: instanceTarget(`i-${seq}`),
      requestedBy: alice,
      reason: null,
      before: { httpTokens: 'optional' },
      requiredApprovals: 1,
      ttlHours: 24,
      ...over,
    },
    at,
  );
