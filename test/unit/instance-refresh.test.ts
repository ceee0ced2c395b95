import { describe, expect, it } from 'vitest';
import { render } from '../../src/adapters/slack/render.js';
import {
  type PlanInput,
  planRefresh,
  preferencesOf,
  progressLine,
  REFRESH_DEFAULTS,
  type RefreshGroup,
  RefreshSettings,
  replaceWarning,
} from '../../src/domain/change/instance-refresh.js';
import { managerOf } from '../../src/domain/findings/group-manager.js';

const input: PlanInput = {
  accountId: '123456789012',
  region: 'eu-west-1',
  settings: REFRESH_DEFAULTS,
  defaultRequires: false,
};

const group = (over: Partial<RefreshGroup> = {}): RefreshGroup => ({
  name: 'web',
  launchTemplate: { id: 'lt-0123456789abcdef0', name: 'web', version: '3' },
  mixedInstancesPolicy: false,
  launchConfigurationName: null,
  tags: {},
  instanceCount: 4,
  launches: { version: 3, httpTokens: 'optional' },
  defaultVersion: { version: 4, httpTokens: 'required' },
  ...over,
});

const text = (m: Parameters<typeof render>[0]) => render(m).text;

describe('planRefresh', () => {
  it.each<[string, Partial<RefreshGroup>, object]>([
    [
      'pinned to a version allowing IMDSv1, default fixed: moved to the default, auto rollback',
      {},
      { fromVersion: '3', toVersion: 4, desired: true, autoRollback: true, skipMatching: true },
    ],
    [
      'pinned to a fixed version: refreshed onto it, auto rollback',
      { launches: { version: 3, httpTokens: 'required' } },
      { fromVersion: '3', toVersion: 3, desired: true, autoRollback: true },
    ],
    [
      '$Default already fixed: no desired configuration, so no auto rollback (Auto Scaling refuses it)',
      {
        launchTemplate: { id: 'lt-0123456789abcdef0', name: 'web', version: '$Default' },
        launches: { version: 4, httpTokens: 'required' },
      },
      { fromVersion: '$Default', toVersion: 4, desired: false, autoRollback: false, skipMatching: false },
    ],
    [
      'mixed instances policy: the launch template desired configuration does not apply',
      { mixedInstancesPolicy: true, launches: { version: 3, httpTokens: 'required' } },
      { desired: false, autoRollback: false },
    ],
  ])('%s', (_, over, expected) => {
    const p = planRefresh(group(over), input);

    expect(p.ok && p.plan).toMatchObject({
      ...expected,
      minHealthyPercentage: 90,
      checkpoints: '20,50,100',
      instances: 4,
    });
  });

  it.each<[string, Partial<RefreshGroup>, Partial<PlanInput>, string, string]>([
    [
      'the template still allows IMDSv1',
      { defaultVersion: { version: 3, httpTokens: 'optional' } },
      {},
      'template-allows-imdsv1',
      '/imds fix-template 123456789012 eu-west-1 lt-0123456789abcdef0',
    ],
    [
      'a launch configuration',
      { launchTemplate: null, launchConfigurationName: 'old-lc', launches: null, defaultVersion: null },
      {},
      'no-launch-template',
      'launch configuration old-lc',
    ],
    [
      'an EKS managed node group: the node-group update is the fix',
      { tags: { 'eks:nodegroup-name': 'ng-1', 'eks:cluster-name': 'prod' } },
      {},
      'eks-node-group',
      'aws eks update-nodegroup-version --cluster-name prod --nodegroup-name ng-1 --launch-template id=lt-0123456789abcdef0,version=4',
    ],
    ['no instances', { instanceCount: 0 }, {}, 'empty-group', 'nothing to refresh'],
  ])('refuses %s', (_, over, extra, code, fragment) => {
    const p = planRefresh(group(over), { ...input, ...extra });

    expect(p.ok).toBe(false);
    expect(!p.ok && p.code).toBe(code);
    expect(!p.ok && text(p.reason)).toContain(fragment);
  });

  it('a template that leaves HttpTokens unset counts as fixed when the account default requires tokens', () => {
    const unset = group({
      launches: { version: 3, httpTokens: null },
      defaultVersion: { version: 3, httpTokens: null },
    });

    expect(planRefresh(unset, input).ok).toBe(false);
    expect(planRefresh(unset, { ...input, defaultRequires: true }).ok).toBe(true);
  });

  it('tells an ECS capacity provider about scale-in protection, and escapes AWS names', () => {
    const p = planRefresh(group({ name: 'ecs<&>', tags: { AmazonECSManaged: '' } }), input);

    const notes = p.ok ? p.notes.map(text).join('\n') : '';
    expect(notes).toContain('ECS capacity provider');
    expect(notes).toContain('ecs&lt;&amp;&gt;');
    expect(notes).not.toContain('ecs<&>');
  });
});

describe('refresh pieces', () => {
  it('tells managers apart by their real tags', () => {
    expect(managerOf({ 'eks:nodegroup-name': 'ng', 'eks:cluster-name': 'c' })).toEqual({
      kind: 'eks',
      cluster: 'c',
      nodegroup: 'ng',
    });
    expect(managerOf({ AmazonECSManaged: '' })).toEqual({ kind: 'ecs' });
    expect(managerOf({ Name: 'web' })).toBeNull();
  });

  it('turns a plan into StartInstanceRefresh preferences', () => {
    const p = planRefresh(group(), input);

    expect(p.ok && preferencesOf(p.plan)).toEqual({
      MinHealthyPercentage: 90,
      CheckpointPercentages: [20, 50, 100],
      CheckpointDelay: 600,
      SkipMatching: true,
      AutoRollback: true,
    });
  });

  it('refuses settings Auto Scaling would refuse', () => {
    expect(RefreshSettings.safeParse({ checkpointPercentages: [50, 20, 100] }).success).toBe(false);
    expect(RefreshSettings.safeParse({ checkpointPercentages: [20, 50] }).success).toBe(false);
    expect(RefreshSettings.safeParse({ minHealthyPercentage: 101 }).success).toBe(false);
  });

  it('reads progress as a line, AWS status reason escaped', () => {
    const line = progressLine({
      id: 'r-1',
      status: 'InProgress',
      statusReason: 'Waiting for checkpoint at 50% <now>',
      percentageComplete: 50,
      instancesToUpdate: 2,
    });

    expect(text(line)).toBe(
      ':arrows_counterclockwise: Instance refresh `r-1`: InProgress 50%, 2 to replace · Waiting for checkpoint at 50% &lt;now&gt;',
    );
  });
});

describe('replaceWarning: an instance enforced in place in a group whose template allows IMDSv1', () => {
  const f = {
    instanceId: 'i-0123456789abcdef0',
    accountId: '123456789012',
    region: 'eu-west-1',
    asg: 'web',
    httpTokens: 'required' as const,
    templateRisk: 'asg-unfixed-template' as const,
    launchTemplate: { id: 'lt-0123456789abcdef0', version: '3' },
    tags: {},
  };

  it.each<[string, Partial<typeof f> & { tags?: Record<string, string> }, string[]]>([
    [
      'a plain group: the template, then a refresh',
      {},
      [
        '*fix undone on replace*',
        '/imds fix-template 123456789012 eu-west-1 lt-0123456789abcdef0',
        '/imds refresh web 123456789012 eu-west-1',
      ],
    ],
    [
      'an EKS node group: the node-group update',
      { tags: { 'eks:nodegroup-name': 'ng-1', 'eks:cluster-name': 'prod' } },
      ['EKS node group ng-1', 'aws eks update-nodegroup-version --cluster-name prod --nodegroup-name ng-1'],
    ],
    [
      'an ECS capacity provider',
      { tags: { AmazonECSManaged: '' } },
      ['ECS capacity provider group web', '/imds refresh web'],
    ],
  ])('%s', (_, over, fragments) => {
    const m = replaceWarning({ ...f, ...over });

    for (const fragment of fragments) expect(m && text(m)).toContain(fragment);
  });

  it('says nothing once the template is fixed, or outside a group', () => {
    expect(replaceWarning({ ...f, templateRisk: 'asg-fixed-template' })).toBeNull();
    expect(replaceWarning({ ...f, asg: null, templateRisk: null })).toBeNull();
  });
});
