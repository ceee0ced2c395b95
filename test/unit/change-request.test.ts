import { describe, expect, it } from 'vitest';
import {
  TRANSITIONS,
  type TransitionCode,
  transition,
  transitionMessage,
} from '../../src/domain/change/request.js';
import {
  CHANGE_EVENT_TYPES,
  type ChangeEvent,
  type ChangeEventType,
  ChangeRequest,
  ChangeState,
  createChangeRequest,
  type NewChangeRequest,
} from '../../src/domain/change/request-schema.js';

const T0 = new Date('2025-03-01T09:00:00.000Z');
const hours = (h: number): Date => new Date(T0.getTime() + h * 3_600_000);
const ALICE = { userId: 'UALICE', name: 'alice' };
const BOB = { userId: 'UBOB', name: 'bob' };
const CAROL = { userId: 'UCAROL', name: 'carol' };
const BEFORE = { httpTokens: 'optional', httpEndpoint: 'enabled', hopLimit: 1 };
const AFTER = { ...BEFORE, httpTokens: 'required' };

const input = (over: Partial<NewChangeRequest> = {}): NewChangeRequest => ({
  id: 'cr-1',
  kind: 'enforce',
  target: { type: 'instance', accountId: '123456789012', region: 'eu-west-1', instanceId: 'i-0abc' },
  requestedBy: ALICE,
  reason: null,
  before: BEFORE,
  requiredApprovals: 1,
  ttlHours: 24,
  ...over,
});

const EVENTS: Record<ChangeEventType, ChangeEvent> = {
  approve: { type: 'approve', by: BOB },
  deny: { type: 'deny', by: BOB, reason: 'not during the freeze' },
  expire: { type: 'expire' },
  'start-apply': { type: 'start-apply', jobId: 'job-1' },
  applied: { type: 'applied', after: AFTER, awsRequestId: 'req-aws-1' },
  failed: { type: 'failed', error: { code: 'UnauthorizedOperation', message: 'denied' } },
  'rolled-back': { type: 'rolled-back', by: CAROL, reason: 'app broke', rollbackRequestId: 'cr-2' },
};
/** expire is only accepted at or after expiresAt (T0 + 24 h); everything else happens within it */
const nowFor = (type: ChangeEventType): Date => (type === 'expire' ? hours(25) : hours(1));

const must = (cr: ChangeRequest, type: ChangeEventType): ChangeRequest => {
  const r = transition(cr, EVENTS[type], nowFor(type));
  if (!r.ok) throw new Error(`setup: ${r.code}`);
  return r.next;
};
const PATHS: Record<ChangeState, ChangeEventType[]> = {
  requested: [],
  approved: ['approve'],
  applying: ['approve', 'start-apply'],
  applied: ['approve', 'start-apply', 'applied'],
  failed: ['approve', 'start-apply', 'failed'],
  'rolled-back': ['approve', 'start-apply', 'applied', 'rolled-back'],
  denied: ['deny'],
  expired: ['expire'],
};
const crIn = (state: ChangeState): ChangeRequest =>
  PATHS[state].reduce(must, createChangeRequest(input(), T0));

/**
 * The expected machine, written independently of TRANSITIONS: one row per state, one cell per event
 * in CHANGE_EVENT_TYPES order (approve deny expire start-apply applied failed rolled-back);
 * a state name moves there, `!code` is refused with that code.
 */
const EXPECTED: Record<ChangeState, string> = {
  requested: 'approved denied expired !not-approved !not-applying !not-applying !not-applied',
  approved:
    '!already-approved !already-approved !already-approved applying !not-applying !not-applying !not-applied',
  applying:
    '!already-applying !already-applying !already-applying !already-applying applied failed !not-applied',
  applied:
    '!already-applied !already-applied !already-applied !already-applied !already-applied !already-applied rolled-back',
  failed: Array(7).fill('!already-failed').join(' '),
  'rolled-back': Array(7).fill('!already-rolled-back').join(' '),
  denied: Array(7).fill('!already-denied').join(' '),
  expired: Array(7).fill('!expired').join(' '),
};

const PAIRS = ChangeState.options.flatMap((state) =>
  CHANGE_EVENT_TYPES.map((event, i) => ({ state, event, cell: EXPECTED[state].split(' ')[i] ?? '?' })),
);

describe('TRANSITIONS', () => {
  it('covers 8 states × 7 events', () => {
    expect(PAIRS).toHaveLength(56);
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ChangeState.options].sort());
  });

  it.each(PAIRS)('$state + $event → $cell', ({ state, event, cell }) => {
    const cr = crIn(state);
    const frozen = structuredClone(cr);

    const result = transition(cr, EVENTS[event], nowFor(event));

    expect(cr).toEqual(frozen);
    if (cell.startsWith('!')) {
      expect(TRANSITIONS[state][event]).toEqual({ refuse: cell.slice(1) });
      expect(result).toEqual({ ok: false, code: cell.slice(1), message: expect.stringContaining('cr-1') });
      return;
    }
    expect(TRANSITIONS[state][event]).toEqual({ to: cell });
    if (!result.ok) throw new Error(`refused: ${result.code}`);
    expect(result.next.state).toBe(cell);
    expect(result.next.version).toBe(cr.version + 1);
    expect(result.next.history.at(-1)).toMatchObject({
      from: state,
      to: cell,
      at: nowFor(event).toISOString(),
    });
    expect(ChangeRequest.parse(result.next)).toEqual(result.next);
  });
});

describe('transition guards', () => {
  it('records an approval short of quorum and stays requested', () => {
    const cr = createChangeRequest(input({ requiredApprovals: 2 }), T0);

    const first = transition(cr, { type: 'approve', by: BOB }, hours(1));
    if (!first.ok) throw new Error(first.code);
    const second = transition(first.next, { type: 'approve', by: CAROL }, hours(2));

    expect(first.next).toMatchObject({
      state: 'requested',
      version: 1,
      approvals: [{ ...BOB, at: hours(1).toISOString() }],
    });
    expect(second).toMatchObject({ ok: true, next: { state: 'approved', version: 2 } });
  });

  it.each<{ name: string; event: ChangeEvent; now: Date; code: TransitionCode }>([
    {
      name: 'approve by the requester',
      event: { type: 'approve', by: ALICE },
      now: hours(1),
      code: 'self-approval',
    },
    { name: 'approve after expiry', event: { type: 'approve', by: BOB }, now: hours(24), code: 'expired' },
    { name: 'deny after expiry', event: { ...EVENTS.deny }, now: hours(30), code: 'expired' },
    {
      name: 'deny without reason',
      event: { type: 'deny', by: BOB, reason: '  ' },
      now: hours(1),
      code: 'reason-required',
    },
    {
      name: 'override without reason',
      event: { type: 'approve', by: BOB, override: { reason: '' } },
      now: hours(1),
      code: 'reason-required',
    },
    { name: 'expire before expiresAt', event: { type: 'expire' }, now: hours(23.9), code: 'not-expired-yet' },
  ])('refuses $name with $code', ({ event, now, code }) => {
    const cr = createChangeRequest(input({ requiredApprovals: 2 }), T0);

    const result = transition(cr, event, now);

    expect(result).toMatchObject({ ok: false, code });
  });

  it('refuses a second approval by the same approver', () => {
    const cr = must(createChangeRequest(input({ requiredApprovals: 2 }), T0), 'approve');

    const result = transition(cr, { type: 'approve', by: BOB }, hours(2));

    expect(result).toMatchObject({
      ok: false,
      code: 'duplicate-approval',
      message: expect.stringContaining('1 more'),
    });
  });

  it('refuses a rollback notice without reason', () => {
    const result = transition(
      crIn('applied'),
      { type: 'rolled-back', by: CAROL, reason: ' ', rollbackRequestId: 'cr-2' },
      hours(2),
    );

    expect(result).toMatchObject({ ok: false, code: 'reason-required' });
  });

  it('expires exactly at expiresAt', () => {
    const result = transition(createChangeRequest(input(), T0), { type: 'expire' }, hours(24));

    expect(result).toMatchObject({
      ok: true,
      next: { state: 'expired', history: [{ by: { system: 'expiry' } }] },
    });
  });
});

describe('transition records', () => {
  it('keeps the trimmed override reason on the approval', () => {
    const cr = createChangeRequest(input(), T0);

    const result = transition(
      cr,
      { type: 'approve', by: BOB, override: { reason: ' batch job retired ' } },
      hours(1),
    );

    expect(result).toMatchObject({
      ok: true,
      next: { approvals: [{ userId: 'UBOB', override: { reason: 'batch job retired' } }] },
    });
  });

  it('carries a full lifecycle with one history entry and one version per step', () => {
    const cr = crIn('rolled-back');

    expect(cr).toMatchObject({
      state: 'rolled-back',
      version: 4,
      jobId: 'job-1',
      after: AFTER,
      awsRequestId: 'req-aws-1',
      rollback: { by: CAROL, reason: 'app broke', requestId: 'cr-2' },
    });
    expect(cr.history.map((h) => [h.from, h.to, h.by])).toEqual([
      ['requested', 'approved', BOB],
      ['approved', 'applying', { system: 'worker' }],
      ['applying', 'applied', { system: 'worker' }],
      ['applied', 'rolled-back', CAROL],
    ]);
  });

  it('keeps the error of a failed change and the denial of a denied one', () => {
    expect(crIn('failed').error).toEqual({ code: 'UnauthorizedOperation', message: 'denied' });
    expect(crIn('denied').denials).toEqual([
      { ...BOB, at: hours(1).toISOString(), reason: 'not during the freeze' },
    ]);
  });
});

describe('createChangeRequest', () => {
  it('starts requested at version 0 and expires after the TTL', () => {
    const cr = createChangeRequest(input({ ttlHours: 2 }), T0);

    expect(cr).toMatchObject({
      state: 'requested',
      version: 0,
      requestedAt: T0.toISOString(),
      expiresAt: hours(2).toISOString(),
    });
  });

  it.each<{ name: string; over: Partial<NewChangeRequest> }>([
    {
      name: 'enforce on a launch template',
      over: {
        target: {
          type: 'launch-template',
          accountId: '123456789012',
          region: 'eu-west-1',
          launchTemplateId: 'lt-1',
        },
      },
    },
    { name: 'rollback without rollbackOf', over: { kind: 'rollback' } },
    { name: 'enforce with rollbackOf', over: { rollbackOf: 'cr-0' } },
    {
      name: 'bulk without instances',
      over: {
        kind: 'bulk-enforce',
        target: { type: 'bulk', accountId: '123456789012', region: null, owner: null, instanceIds: [] },
      },
    },
  ])('rejects $name', ({ over }) => {
    expect(() => createChangeRequest(input(over), T0)).toThrow();
  });

  it('accepts a rollback of an earlier change', () => {
    const cr = createChangeRequest(input({ id: 'cr-2', kind: 'rollback', rollbackOf: 'cr-1' }), T0);

    expect(cr).toMatchObject({ kind: 'rollback', rollbackOf: 'cr-1' });
  });
});

describe('transitionMessage', () => {
  const fromTable = Object.values(TRANSITIONS)
    .flatMap((row) => Object.values(row))
    .flatMap((o): TransitionCode[] => ('refuse' in o ? [o.refuse] : []));
  const codes = [
    ...new Set([...fromTable, 'not-expired-yet', 'self-approval', 'duplicate-approval', 'reason-required']),
  ] as TransitionCode[];

  it.each(codes)('%s names the change and what it is', (code) => {
    const message = transitionMessage(code, crIn('failed'));

    expect(message).toContain('Change cr-1 (enforce on i-0abc (123456789012/eu-west-1))');
  });
});
