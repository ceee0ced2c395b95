import { describe, expect, it } from 'vitest';
import {
  asgWarning,
  enforceOptions,
  factsFromFinding,
  type GateInput,
  readinessGate,
  selfHostGuard,
} from '../../src/domain/change/approval-gates.js';
import {
  canApprove,
  canDeny,
  canRequest,
  canSnooze,
  requiredApprovals,
} from '../../src/domain/change/approval-policy.js';
import type { Actor, TargetFacts } from '../../src/domain/change/approval-roles.js';
import { APPROVALS_DEFAULTS, Approvals } from '../../src/domain/change/approval-schema.js';
import {
  type ChangeKind,
  type ChangeRequest,
  createChangeRequest,
} from '../../src/domain/change/request-schema.js';
import type { Finding, MetadataOptions } from '../../src/domain/findings/model.js';

const POLICY: Approvals = Approvals.parse({
  approvers: { users: ['UAPPR1', 'UAPPR2'], groups: ['SAPPROVERS'] },
  security: { users: ['USEC'], groups: ['SSEC'], channels: ['CSEC'] },
});
const APPROVERS = '<!subteam^SAPPROVERS>, <@UAPPR1>, <@UAPPR2>';
const SECURITY = '<!subteam^SSEC>, <#CSEC>, <@USEC>';

const actor = (userId: string, groups: string[] = []): Actor => ({ userId, groups });
const OWNER = actor('UOWNER');
const STRANGER = actor('UOTHER');
const SEC = actor('USEC');
const SEC_BY_GROUP = actor('UX', ['SSEC']);
const SEC_BY_CHANNEL = actor('UY', ['CSEC']);
const APPR = actor('UAPPR1');
const APPR2 = actor('UAPPR2');
const APPR_BY_GROUP = actor('UZ', ['SAPPROVERS']);

const FACTS: TargetFacts = {
  instanceId: 'i-0abc',
  readiness: 'ready',
  isProd: false,
  ownerUserId: 'UOWNER',
  asg: null,
  templateRisk: null,
  containerHost: null,
  botHost: null,
};
const facts = (over: Partial<TargetFacts> = {}): TargetFacts => ({ ...FACTS, ...over });

const T0 = new Date('2025-03-01T09:00:00.000Z');
const cr = (requester: string, over: Partial<ChangeRequest> = {}): ChangeRequest => ({
  ...createChangeRequest(
    {
      id: 'cr-1',
      kind: 'enforce',
      target: { type: 'instance', accountId: '123456789012', region: 'eu-west-1', instanceId: 'i-0abc' },
      requestedBy: { userId: requester, name: requester },
      reason: null,
      before: null,
      requiredApprovals: 1,
      ttlHours: 24,
    },
    T0,
  ),
  ...over,
});
const approvalBy = (userId: string) => ({ userId, name: userId, at: T0.toISOString() });

describe('Approvals schema', () => {
  it('fills every default', () => {
    expect(APPROVALS_DEFAULTS).toEqual({
      approvers: { users: [], groups: [] },
      security: { users: [], groups: [], channels: [] },
      requireTwoApproversForProd: true,
      requestTtlHours: 24,
      overrideReasonMinLength: 20,
      maxScanAgeHours: 1,
      maxSnoozeDays: 30,
      snoozeChoicesDays: [1, 3, 7, 14, 30],
      containerHopLimit: 2,
    });
  });

  it.each([
    {
      name: 'a user name instead of an id',
      input: { approvers: { users: ['alice'] } },
      path: 'approvers.users.0',
    },
    {
      name: 'a channel as an approver group',
      input: { approvers: { groups: ['C123'] } },
      path: 'approvers.groups.0',
    },
    {
      name: 'a snooze choice above the maximum',
      input: { maxSnoozeDays: 7, snoozeChoicesDays: [1, 14] },
      path: 'snoozeChoicesDays.1',
    },
    { name: 'a container hop limit of 1', input: { containerHopLimit: 1 }, path: 'containerHopLimit' },
    { name: 'an unknown key', input: { approver: {} }, path: '' },
  ])('rejects $name', ({ input, path }) => {
    const result = Approvals.safeParse(input);

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([path]);
  });
});

describe('canRequest', () => {
  it.each<{ who: string; a: Actor; kind: ChangeKind; code: string | null; f?: Partial<TargetFacts> }>([
    { who: 'owner', a: OWNER, kind: 'enforce', code: null },
    { who: 'owner', a: OWNER, kind: 'bulk-enforce', code: null },
    { who: 'owner', a: OWNER, kind: 'rollback', code: 'not-approver' },
    { who: 'owner', a: OWNER, kind: 'launch-template-fix', code: 'not-security' },
    { who: 'owner', a: OWNER, kind: 'account-default', code: 'not-security' },
    { who: 'stranger', a: STRANGER, kind: 'enforce', code: 'not-owner' },
    { who: 'stranger', a: STRANGER, kind: 'bulk-enforce', code: 'not-owner' },
    {
      who: 'owner of a mixed bulk',
      a: OWNER,
      kind: 'bulk-enforce',
      code: 'not-owner',
      f: { ownerUserId: null },
    },
    { who: 'security user', a: SEC, kind: 'enforce', code: null },
    { who: 'security group member', a: SEC_BY_GROUP, kind: 'launch-template-fix', code: null },
    { who: 'security channel member', a: SEC_BY_CHANNEL, kind: 'account-default', code: null },
    { who: 'security user', a: SEC, kind: 'bulk-enforce', code: null },
    { who: 'security user', a: SEC, kind: 'rollback', code: 'not-approver' },
    { who: 'approver', a: APPR, kind: 'rollback', code: null },
    { who: 'approver group member', a: APPR_BY_GROUP, kind: 'enforce', code: null },
    { who: 'approver group member', a: APPR_BY_GROUP, kind: 'account-default', code: null },
  ])('$who, $kind → $code', ({ a, kind, code, f }) => {
    const decision = canRequest(a, kind, facts(f), POLICY);

    expect(decision.allowed ? null : decision.code).toBe(code);
  });

  it.each([
    {
      f: {},
      reason: `Only the owner (<@UOWNER>) or security (${SECURITY}) can request enforcement on i-0abc.`,
    },
    {
      f: { ownerUserId: null },
      reason: `Only the owner (none tagged) or security (${SECURITY}) can request enforcement on i-0abc.`,
    },
  ])('names who can enforce instead', ({ f, reason }) => {
    expect(canRequest(STRANGER, 'enforce', facts(f), POLICY)).toEqual({
      allowed: false,
      code: 'not-owner',
      reason,
    });
  });

  it('says how to configure approvers when there are none', () => {
    const decision = canRequest(SEC, 'rollback', FACTS, APPROVALS_DEFAULTS);

    expect(decision).toMatchObject({
      reason: expect.stringContaining('none configured: set approvals.approvers'),
    });
  });
});

describe('requiredApprovals', () => {
  it.each<{ isProd: boolean; two: boolean; kind?: ChangeKind; n: number }>([
    { isProd: false, two: true, n: 1 },
    { isProd: true, two: true, n: 2 },
    { isProd: true, two: false, n: 1 },
    { isProd: true, two: true, kind: 'bulk-enforce', n: 2 },
    { isProd: true, two: true, kind: 'rollback', n: 1 },
  ])('prod $isProd, two-for-prod $two, $kind → $n', ({ isProd, two, kind, n }) => {
    const policy = { ...POLICY, requireTwoApproversForProd: two };

    expect(requiredApprovals(facts({ isProd }), policy, kind)).toBe(n);
  });
});

describe('canApprove', () => {
  it.each<{ name: string; a: Actor; c: ChangeRequest; f?: Partial<TargetFacts>; code: string | null }>([
    { name: 'an approver', a: APPR, c: cr('UOWNER'), code: null },
    { name: 'an approver by group', a: APPR_BY_GROUP, c: cr('UOWNER'), code: null },
    { name: 'security, not approver', a: SEC, c: cr('UOWNER'), code: 'not-approver' },
    { name: 'the requester, not approver', a: OWNER, c: cr('UOWNER'), code: 'not-approver' },
    { name: 'the requester who is an approver', a: APPR, c: cr('UAPPR1'), code: 'self-approval' },
    {
      name: 'the same approver twice',
      a: APPR,
      c: cr('UOWNER', { requiredApprovals: 2, approvals: [approvalBy('UAPPR1')] }),
      code: 'duplicate-approval',
    },
    {
      name: 'a second, distinct approver',
      a: APPR2,
      c: cr('UOWNER', { requiredApprovals: 2, approvals: [approvalBy('UAPPR1')] }),
      f: { isProd: true },
      code: null,
    },
    { name: 'an approved change', a: APPR, c: cr('UOWNER', { state: 'approved' }), code: 'not-pending' },
    {
      name: 'a change whose target became prod',
      a: APPR,
      c: cr('UOWNER'),
      f: { isProd: true },
      code: 'policy-changed',
    },
  ])('$name → $code', ({ a, c, f, code }) => {
    const decision = canApprove(a, c, facts(f), POLICY);

    expect(decision.allowed ? null : decision.code).toBe(code);
  });

  it.each([
    { a: OWNER, reason: `Only approvers (${APPROVERS}) can approve; you requested this change yourself.` },
    { a: STRANGER, reason: `Only approvers (${APPROVERS}) can approve.` },
  ])('explains a refusal to $a.userId', ({ a, reason }) => {
    expect(canApprove(a, cr('UOWNER'), FACTS, POLICY)).toEqual({
      allowed: false,
      code: 'not-approver',
      reason,
    });
  });

  it('names the other approvers on self-approval', () => {
    const decision = canApprove(APPR, cr('UAPPR1'), FACTS, POLICY);

    expect(decision).toEqual({
      allowed: false,
      code: 'self-approval',
      reason: `You requested change cr-1 yourself; another approver (${APPROVERS}) must approve it.`,
    });
  });
});

describe('canDeny', () => {
  it.each([
    { name: 'an approver', a: APPR, c: cr('UOWNER'), code: null },
    { name: 'the requester withdrawing', a: OWNER, c: cr('UOWNER'), code: null },
    { name: 'a stranger', a: STRANGER, c: cr('UOWNER'), code: 'not-approver' },
    { name: 'security, not approver', a: SEC, c: cr('UOWNER'), code: 'not-approver' },
    { name: 'an applied change', a: APPR, c: cr('UOWNER', { state: 'applied' }), code: 'not-pending' },
  ])('$name → $code', ({ a, c, code }) => {
    const decision = canDeny(a, c, POLICY);

    expect(decision.allowed ? null : decision.code).toBe(code);
  });
});

describe('readinessGate', () => {
  const twenty = 'nothing calls IMDSv1'; // exactly overrideReasonMinLength (20) characters
  it.each<{ name: string; f: Partial<TargetFacts>; input?: GateInput; expected: object }>([
    {
      name: 'not an instance',
      f: { readiness: null, instanceId: null },
      expected: { allowed: true, confirmed: false, override: null },
    },
    { name: 'ready', f: {}, expected: { allowed: true, confirmed: false, override: null } },
    {
      name: 'compliant',
      f: { readiness: 'compliant' },
      expected: { allowed: false, code: 'already-compliant' },
    },
    {
      name: 'imds-disabled',
      f: { readiness: 'imds-disabled' },
      expected: { allowed: false, code: 'imds-disabled' },
    },
    {
      name: 'unknown',
      f: { readiness: 'unknown' },
      expected: { allowed: false, code: 'needs-confirmation' },
    },
    {
      name: 'unknown, confirmed',
      f: { readiness: 'unknown' },
      input: { confirmed: true },
      expected: { allowed: true, confirmed: true },
    },
    {
      name: 'unknown, not confirmed',
      f: { readiness: 'unknown' },
      input: { confirmed: false },
      expected: { code: 'needs-confirmation' },
    },
    { name: 'in-use', f: { readiness: 'in-use' }, expected: { allowed: false, code: 'in-use' } },
    {
      name: 'in-use, override by non-approver',
      f: { readiness: 'in-use' },
      input: { actor: SEC, overrideReason: twenty },
      expected: { code: 'override-not-approver' },
    },
    {
      name: 'in-use, override without actor',
      f: { readiness: 'in-use' },
      input: { overrideReason: twenty },
      expected: { code: 'override-not-approver' },
    },
    {
      name: 'in-use, 19 chars',
      f: { readiness: 'in-use' },
      input: { actor: APPR, overrideReason: twenty.slice(1) },
      expected: { code: 'override-reason-too-short' },
    },
    {
      name: 'in-use, 19 chars padded',
      f: { readiness: 'in-use' },
      input: { actor: APPR, overrideReason: ` ${twenty.slice(1)}  ` },
      expected: { code: 'override-reason-too-short' },
    },
    {
      name: 'in-use, 20 chars',
      f: { readiness: 'in-use' },
      input: { actor: APPR, overrideReason: ` ${twenty} ` },
      expected: { allowed: true, override: { reason: twenty } },
    },
  ])('$name', ({ f, input, expected }) => {
    expect(readinessGate(facts(f), POLICY, input)).toMatchObject(expected);
  });

  it.each([
    { readiness: 'compliant', reason: 'i-0abc already requires IMDSv2 tokens: nothing to do.' },
    {
      readiness: 'in-use',
      reason: expect.stringContaining(
        `an approver (${APPROVERS}) can override with a reason of 20+ characters`,
      ),
    },
  ] as const)('tells the user what to do when $readiness', ({ readiness, reason }) => {
    expect(readinessGate(facts({ readiness }), POLICY)).toMatchObject({ reason });
  });
});

describe('enforceOptions', () => {
  const current: MetadataOptions = {
    httpTokens: 'optional',
    httpEndpoint: 'enabled',
    hopLimit: 1,
    state: 'applied',
    instanceMetadataTags: 'disabled',
    httpProtocolIpv6: 'disabled',
  };
  const sent = {
    httpTokens: 'required',
    httpEndpoint: 'enabled',
    hopLimit: 1,
    instanceMetadataTags: 'disabled',
    httpProtocolIpv6: 'disabled',
  };
  const botIn = { instanceId: 'i-0abc', inContainer: true };
  it.each<{
    name: string;
    cur?: Partial<MetadataOptions>;
    f?: Partial<TargetFacts>;
    hop?: number;
    expected: object;
  }>([
    { name: 'a plain instance', expected: sent },
    { name: 'an EKS host at 1', f: { containerHost: 'eks' }, expected: { ...sent, hopLimit: 2 } },
    {
      name: 'an ECS host at 3',
      cur: { hopLimit: 3 },
      f: { containerHost: 'ecs' },
      expected: { ...sent, hopLimit: 3 },
    },
    {
      name: 'an EKS host, policy 3',
      cur: { hopLimit: 2 },
      f: { containerHost: 'eks' },
      hop: 3,
      expected: { ...sent, hopLimit: 3 },
    },
    { name: 'the bot host, bot in a container', f: { botHost: botIn }, expected: { ...sent, hopLimit: 2 } },
    {
      name: 'the bot host, bot not in a container',
      f: { botHost: { ...botIn, inContainer: false } },
      expected: sent,
    },
    {
      name: 'another host than the bot',
      f: { botHost: { ...botIn, instanceId: 'i-other' } },
      expected: sent,
    },
    {
      name: 'endpoint disabled, tags and IPv6 on',
      cur: { httpEndpoint: 'disabled', instanceMetadataTags: 'enabled', httpProtocolIpv6: 'enabled' },
      expected: {
        ...sent,
        httpEndpoint: 'disabled',
        instanceMetadataTags: 'enabled',
        httpProtocolIpv6: 'enabled',
      },
    },
    {
      name: 'already required',
      cur: { httpTokens: 'required', hopLimit: 5 },
      expected: { ...sent, hopLimit: 5 },
    },
  ])('$name', ({ cur, f, hop, expected }) => {
    const policy = { ...POLICY, containerHopLimit: hop ?? POLICY.containerHopLimit };

    expect(enforceOptions({ ...current, ...cur }, facts(f), policy)).toEqual(expected);
  });
});

describe('selfHostGuard', () => {
  const bot = (inContainer: boolean) => ({ botHost: { instanceId: 'i-0abc', inContainer } });
  it.each<{ name: string; f: Partial<TargetFacts>; hop: number; expected: object }>([
    { name: 'bot host unknown', f: {}, hop: 1, expected: { allowed: true, warning: null } },
    {
      name: 'another instance',
      f: { botHost: { instanceId: 'i-other', inContainer: true } },
      hop: 1,
      expected: { allowed: true, warning: null },
    },
    {
      name: 'not one instance',
      f: { instanceId: null, ...bot(true) },
      hop: 1,
      expected: { allowed: true, warning: null },
    },
    {
      name: 'own host, on the host',
      f: bot(false),
      hop: 1,
      expected: { allowed: true, warning: { code: 'self-host' } },
    },
    {
      name: 'own host, in a container, hop 2',
      f: bot(true),
      hop: 2,
      expected: { allowed: true, warning: { code: 'self-host' } },
    },
    {
      name: 'own host, in a container, hop 1',
      f: bot(true),
      hop: 1,
      expected: { allowed: false, code: 'self-lockout' },
    },
  ])('$name', ({ f, hop, expected }) => {
    expect(selfHostGuard(facts(f), { hopLimit: hop })).toMatchObject(expected);
  });

  it.each([1, 2, 3, 64])('never locks the bot out when fed enforceOptions (current hop %i)', (hopLimit) => {
    const f = facts({ botHost: { instanceId: 'i-0abc', inContainer: true } });
    const current: MetadataOptions = {
      httpTokens: 'optional',
      httpEndpoint: 'enabled',
      hopLimit,
      state: 'applied',
      instanceMetadataTags: 'disabled',
      httpProtocolIpv6: 'disabled',
    };

    expect(selfHostGuard(f, enforceOptions(current, f, POLICY))).toMatchObject({ allowed: true });
  });
});

describe('asgWarning', () => {
  it.each([
    { risk: null, code: null },
    { risk: 'asg-fixed-template', code: null },
    { risk: 'asg-unfixed-template', code: 'asg-unfixed-template' },
    { risk: 'asg-no-template', code: 'asg-no-template' },
  ] as const)('$risk → $code', ({ risk, code }) => {
    const warning = asgWarning(facts({ asg: 'web-asg', templateRisk: risk }));

    expect(warning?.code ?? null).toBe(code);
    if (code) expect(warning?.message).toContain('i-0abc is in Auto Scaling group web-asg');
  });
});

describe('canSnooze', () => {
  it.each<{
    name: string;
    a: Actor;
    days: number;
    f?: Partial<TargetFacts>;
    max?: number;
    code: string | null;
  }>([
    { name: 'owner, 7 days', a: OWNER, days: 7, code: null },
    { name: 'owner, 30 days', a: OWNER, days: 30, code: null },
    { name: 'owner, 31 days', a: OWNER, days: 31, code: 'snooze-too-long' },
    { name: 'owner, 45 days under a 60-day policy', a: OWNER, days: 45, max: 60, code: null },
    { name: 'owner, 0 days', a: OWNER, days: 0, code: 'snooze-invalid' },
    { name: 'owner, 1.5 days', a: OWNER, days: 1.5, code: 'snooze-invalid' },
    { name: 'owner, NaN days', a: OWNER, days: Number.NaN, code: 'snooze-invalid' },
    { name: 'stranger', a: STRANGER, days: 7, code: 'not-owner' },
    { name: 'security, not owner', a: SEC_BY_CHANNEL, days: 30, code: null },
    { name: 'approver, untagged instance', a: APPR, days: 3, f: { ownerUserId: null }, code: null },
    { name: 'owner, compliant', a: OWNER, days: 7, f: { readiness: 'compliant' }, code: 'nothing-to-snooze' },
    { name: 'owner, unknown readiness', a: OWNER, days: 7, f: { readiness: 'unknown' }, code: null },
  ])('$name → $code', ({ a, days, f, max, code }) => {
    const policy = { ...POLICY, maxSnoozeDays: max ?? POLICY.maxSnoozeDays };

    const decision = canSnooze(a, facts(f), days, policy);

    expect(decision.allowed ? null : decision.code).toBe(code);
  });

  it('offers the configured choices when too long', () => {
    expect(canSnooze(OWNER, FACTS, 90, POLICY)).toEqual({
      allowed: false,
      code: 'snooze-too-long',
      reason: 'Snoozes last at most 30 days; pick one of 1, 3, 7, 14, 30.',
    });
  });
});

describe('factsFromFinding', () => {
  it('reads the facts of a classified instance', () => {
    const finding = {
      instanceId: 'i-0abc',
      readiness: 'in-use',
      asg: 'web-asg',
      templateRisk: 'asg-unfixed-template',
      risk: { iamRole: true, publicIp: false, prod: true, containerHost: 'eks' },
    } as Finding; // only the fields the function reads

    const result = factsFromFinding(finding, { ownerUserId: 'UOWNER', botHost: null });

    expect(result).toEqual({
      instanceId: 'i-0abc',
      readiness: 'in-use',
      isProd: true,
      ownerUserId: 'UOWNER',
      asg: 'web-asg',
      templateRisk: 'asg-unfixed-template',
      containerHost: 'eks',
      botHost: null,
    });
  });
});
