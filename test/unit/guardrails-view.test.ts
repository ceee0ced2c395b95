import { describe, expect, it } from 'vitest';
import { guardrailsView, scopeGuardrails } from '../../src/domain/guardrails/view.js';
import {
  makeAccountDefault,
  makeAutoScalingGroup,
  makeFinding,
  makeLaunchTemplate,
  makeScanError,
  makeSnapshot,
} from '../support/factories.js';

const LEGACY = 'ami-0000000000000aaa1';
const V2 = 'ami-0000000000000bbb2';

describe('scopeGuardrails', () => {
  it('lists the default versions and the launched $Latest that allow IMDSv1, with their groups', () => {
    const snap = makeSnapshot({
      accountDefault: makeAccountDefault({ httpTokens: 'no-preference' }),
      launchTemplates: [
        makeLaunchTemplate({
          launchTemplateId: 'lt-1',
          name: 'unset',
          defaultVersion: 1,
          latestVersion: 1,
          httpTokens: null,
        }),
        makeLaunchTemplate({
          launchTemplateId: 'lt-2',
          name: 'fixed',
          defaultVersion: 2,
          latestVersion: 3,
          httpTokens: 'required',
        }),
        makeLaunchTemplate({
          launchTemplateId: 'lt-3',
          name: 'ok',
          defaultVersion: 1,
          latestVersion: 1,
          httpTokens: 'required',
        }),
      ],
      autoScalingGroups: [
        makeAutoScalingGroup({
          name: 'b',
          launchTemplate: { id: 'lt-1', version: '$Default' },
          launches: { version: 1, httpTokens: null },
        }),
        makeAutoScalingGroup({
          name: 'a',
          launchTemplate: { id: 'lt-1', version: '$Default' },
          launches: { version: 1, httpTokens: null },
        }),
        makeAutoScalingGroup({
          name: 'latest',
          launchTemplate: { id: 'lt-2', version: '$Latest' },
          launches: { version: 3, httpTokens: 'optional' },
        }),
        makeAutoScalingGroup({
          name: 'ok',
          launchTemplate: { id: 'lt-3', version: '$Default' },
          launches: { version: 1, httpTokens: 'required' },
        }),
      ],
    });

    const out = scopeGuardrails(snap);

    expect(out.templates).toEqual([
      {
        launchTemplateId: 'lt-1',
        name: 'unset',
        version: 1,
        which: 'default',
        httpTokens: null,
        groups: ['a', 'b'],
      },
      {
        launchTemplateId: 'lt-2',
        name: 'fixed',
        version: 3,
        which: 'latest',
        httpTokens: 'optional',
        groups: ['latest'],
      },
    ]);
    expect(out.accountDefault).toEqual({
      httpTokens: 'no-preference',
      managedBy: 'account',
      exceptionMessage: null,
      requiresTokens: false,
      fixable: true,
    });
  });

  it('a template that leaves HttpTokens out is fine where the account default requires tokens', () => {
    const snap = makeSnapshot({
      accountDefault: makeAccountDefault({ httpTokens: 'required' }),
      launchTemplates: [makeLaunchTemplate({ httpTokens: null })],
    });
    expect(scopeGuardrails(snap).templates).toEqual([]);
    expect(scopeGuardrails(snap).accountDefault?.fixable).toBe(false);
  });

  it('a default owned by a declarative policy is not fixable here, even when optional', () => {
    const snap = makeSnapshot({
      accountDefault: makeAccountDefault({
        httpTokens: 'optional',
        managedBy: 'declarative-policy',
        managedExceptionMessage: 'ask <cloud>',
      }),
    });
    expect(scopeGuardrails(snap).accountDefault).toMatchObject({
      fixable: false,
      exceptionMessage: 'ask <cloud>',
    });
  });

  it('AMIs without v2.0 with the laggards launched from them; none listed when DescribeImages failed', () => {
    const lag = makeFinding({ readiness: 'ready', imageId: LEGACY });
    const ok = makeFinding({ readiness: 'compliant', httpTokens: 'required', imageId: LEGACY });
    const v2 = makeFinding({ readiness: 'ready', imageId: V2 });
    const images = [
      { imageId: LEGACY, name: 'old', imdsSupport: null },
      { imageId: V2, name: 'new', imdsSupport: 'v2.0' as const },
    ];
    const snap = makeSnapshot({ findings: [lag, ok, v2], images });

    expect(scopeGuardrails(snap).amis).toEqual([
      { imageId: LEGACY, name: 'old', described: true, instances: [lag.instanceId] },
    ]);
    const failed = makeSnapshot({
      findings: [lag],
      images: [],
      partialErrors: [makeScanError({ stage: 'images', partial: true })],
    });
    expect(scopeGuardrails(failed)).toMatchObject({ amis: [], missing: ['images'] });
  });
});

describe('guardrailsView', () => {
  it('answers the seed questions across scopes and the organization', () => {
    const a = makeSnapshot({
      accountId: '111111111111',
      findings: [makeFinding({ readiness: 'in-use' }), makeFinding({ readiness: 'unknown' })],
      accountDefault: makeAccountDefault({ accountId: '111111111111', httpTokens: 'required' }),
    });
    const b = makeSnapshot({
      accountId: '222222222222',
      findings: [makeFinding({ readiness: 'ready' })],
      accountDefault: null,
      launchTemplates: [makeLaunchTemplate({ httpTokens: 'optional' })],
    });
    const org = {
      scanId: 'scan-1',
      readAt: '2026-12-01T00:00:00.000Z',
      units: [{ id: 'r-1', name: 'Root', parentId: null }],
      accounts: [
        { id: '111111111111', name: 'a', parentId: 'r-1' },
        { id: '222222222222', name: 'b', parentId: 'r-1' },
      ],
      policies: [
        {
          id: 'p-00000001',
          name: 'require',
          type: 'SERVICE_CONTROL_POLICY' as const,
          content: JSON.stringify({
            Statement: [
              {
                Effect: 'Deny',
                Action: 'ec2:RunInstances',
                Resource: '*',
                Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
              },
            ],
          }),
          targets: ['111111111111'],
        },
      ],
      partial: [{ what: 'DECLARATIVE_POLICY_EC2', code: 'AccessDenied', message: 'no' }],
    };

    const v = guardrailsView([b, a], org);

    expect(v.scopes.map((s) => s.accountId)).toEqual(['111111111111', '222222222222']);
    expect(v.questions).toEqual({
      instancesAllowingV1: 3,
      scopesRequiringTokens: 1,
      scopes: 2,
      templatesAllowingV1: 1,
      accountsWithLaunchScp: 1,
      accounts: 2,
    });
    expect(v.organization?.unreadable).toEqual(['DECLARATIVE_POLICY_EC2: AccessDenied']);
    expect(v.organization?.unprotectedOus.map((o) => o.name)).toEqual(['Root']);
    expect(guardrailsView([a], null).questions.accountsWithLaunchScp).toBeNull();
  });
});
