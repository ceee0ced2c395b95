import { describe, expect, it } from 'vitest';
import type { RefreshPlan } from '../../src/domain/change/instance-refresh.js';
import { type StartedRefresh, startedEarlier, whyNotOurs } from '../../src/domain/change/refresh-adopt.js';

const plan: RefreshPlan = {
  asgName: 'web',
  launchTemplateId: 'lt-1',
  fromVersion: '1',
  toVersion: 2,
  desired: true,
  autoRollback: true,
  minHealthyPercentage: 50,
  checkpoints: '50,100',
  checkpointDelaySeconds: 600,
  skipMatching: true,
  instances: 4,
};
const approvedAt = new Date('2026-12-01T10:00:00.500Z');
const ours: StartedRefresh = {
  id: 'r-1',
  status: 'InProgress',
  statusReason: null,
  percentageComplete: 0,
  instancesToUpdate: 4,
  startedAt: '2026-12-01T10:00:00.000Z', // whole seconds: a moment before the approval's millisecond
  desired: { launchTemplateId: 'lt-1', version: '2' },
  preferences: {
    MinHealthyPercentage: 50,
    CheckpointPercentages: [50, 100],
    CheckpointDelay: 600,
    SkipMatching: true,
    AutoRollback: true,
  },
};
const prefs = ours.preferences;

describe('whether a running refresh is the one the request started', () => {
  it('adopts the refresh started as planned after the approval', () => {
    expect(whyNotOurs(plan, ours, approvedAt)).toBeNull();
  });

  it.each<[string, Partial<StartedRefresh>, string]>([
    ['ended', { status: 'Successful' }, 'it is Successful'],
    ['rolling back', { status: 'RollbackInProgress' }, 'it is RollbackInProgress'],
    [
      'started before the approval',
      { startedAt: '2026-12-01T09:00:00.000Z' },
      'before this request was approved',
    ],
    ['no start time', { startedAt: null }, 'start time is not described'],
    ['another version', { desired: { launchTemplateId: 'lt-1', version: '3' } }, 'not lt-1 version 2'],
    ['no desired configuration', { desired: null }, 'desired configuration is not'],
    [
      'other preferences',
      { preferences: prefs && { ...prefs, MinHealthyPercentage: 90 } },
      'preferences are not',
    ],
    [
      'other checkpoints',
      { preferences: prefs && { ...prefs, CheckpointPercentages: [100] } },
      'preferences are not',
    ],
  ])('refuses one %s', (_what, change, why) => {
    expect(whyNotOurs(plan, { ...ours, ...change }, approvedAt)).toContain(why);
  });

  it('a plan without a desired configuration refuses a refresh that has one', () => {
    const noDesired = { ...plan, desired: false, autoRollback: false, skipMatching: false };
    const p = { ...ours, preferences: prefs && { ...prefs, AutoRollback: false, SkipMatching: false } };
    expect(whyNotOurs(noDesired, p, approvedAt)).toContain('it has a desired configuration');
    expect(whyNotOurs(noDesired, { ...p, desired: null }, approvedAt)).toBeNull();
  });
});

describe('a refresh the request started before its worker died, in any state', () => {
  const byHand: StartedRefresh = { ...ours, id: 'r-0', startedAt: '2026-12-01T09:00:00.000Z' };

  it('finds it after it ended, newest first', () => {
    const ended = { ...ours, status: 'Successful' as const, percentageComplete: 100 };
    expect(startedEarlier(plan, [ended, byHand], approvedAt)).toBe(ended);
  });

  it('finds nothing when every refresh started before the approval or otherwise', () => {
    const other = { ...ours, id: 'r-2', desired: { launchTemplateId: 'lt-1', version: '3' } };
    expect(startedEarlier(plan, [other, byHand], approvedAt)).toBeNull();
    expect(startedEarlier(plan, [], approvedAt)).toBeNull();
  });
});
