import { describe, expect, it } from 'vitest';
import {
  type ClassifyOptions,
  classifyScope,
  isLaggard,
  needsUsage,
  readinessOf,
  resolveTemplateVersion,
  templateEnforces,
  windowStartOf,
} from '../../src/domain/findings/classify.js';
import type { AccountDefault, Instance, Usage } from '../../src/domain/findings/model.js';
import {
  makeAccountDefault,
  makeAutoScalingGroup,
  makeInstance,
  makeInventory,
  makeLaunchTemplate,
  makeUsage,
} from '../support/factories.js';

const NOW = new Date('2025-06-15T00:00:00.000Z');
const WINDOW_START = new Date('2025-06-01T00:00:00.000Z');
const OLD = '2025-01-01T00:00:00.000Z';
const YOUNG = '2025-06-10T00:00:00.000Z';

const OPTS: ClassifyOptions = {
  ownerTags: ['Owner', 'team'],
  environment: { tag: 'Environment', prodValues: ['prod'] },
  windowDays: 14,
  now: NOW,
};

describe('windowStartOf', () => {
  it('goes back windowDays whole days from now', () => {
    expect(windowStartOf(NOW, 14)).toEqual(WINDOW_START);
  });
});

describe('needsUsage', () => {
  it.each([
    { httpEndpoint: 'enabled', httpTokens: 'optional', want: true },
    { httpEndpoint: 'enabled', httpTokens: 'required', want: false },
    { httpEndpoint: 'disabled', httpTokens: 'optional', want: false },
    { httpEndpoint: 'disabled', httpTokens: 'required', want: false },
  ] as const)('endpoint $httpEndpoint, tokens $httpTokens -> $want', ({ httpEndpoint, httpTokens, want }) => {
    expect(needsUsage(makeInstance({ metadata: { httpEndpoint, httpTokens } }))).toBe(want);
  });
});

describe('readinessOf', () => {
  const calls = makeUsage({ noTokenCalls: 12, lastSeen: '2025-06-14T10:00:00.000Z' });
  const quiet = makeUsage();
  const empty = makeUsage({ datapoints: 0 });
  const off = { httpEndpoint: 'disabled' } as const;
  const req = { httpTokens: 'required' } as const;
  const AT_START = WINDOW_START.toISOString();
  const JUST_AFTER = '2025-06-01T00:00:00.001Z';
  const JUST_BEFORE = '2025-05-31T23:59:59.999Z';

  it.each([
    // name, metadata, usage, launchTime, readiness
    ['endpoint disabled, tokens optional, calls', off, calls, OLD, 'imds-disabled'],
    ['endpoint disabled, tokens required', { ...off, ...req }, undefined, OLD, 'imds-disabled'],
    ['tokens required', req, undefined, OLD, 'compliant'],
    ['tokens required, young', req, undefined, YOUNG, 'compliant'],
    ['v1 calls seen', {}, calls, OLD, 'in-use'],
    ['young instance with v1 calls', {}, calls, YOUNG, 'in-use'],
    ['young instance with zero calls', {}, quiet, YOUNG, 'unknown'],
    ['no usage entry', {}, undefined, OLD, 'unknown'],
    ['no datapoints', {}, empty, OLD, 'unknown'],
    ['launched exactly at window start', {}, quiet, AT_START, 'ready'],
    ['launched 1 ms after window start', {}, quiet, JUST_AFTER, 'unknown'],
    ['launched 1 ms before window start', {}, quiet, JUST_BEFORE, 'ready'],
    ['unreadable launch time', {}, quiet, 'yesterday-ish', 'unknown'],
    ['old, datapoints, zero calls', {}, quiet, OLD, 'ready'],
  ] as const)('%s -> %s', (_name, md, usage, launchTime, want) => {
    const instance = makeInstance({ launchTime, metadata: md });
    expect(readinessOf(instance, usage, WINDOW_START)).toBe(want);
  });
});

describe('isLaggard', () => {
  it.each([
    { readiness: 'compliant', want: false },
    { readiness: 'imds-disabled', want: false },
    { readiness: 'ready', want: true },
    { readiness: 'in-use', want: true },
    { readiness: 'unknown', want: true },
  ] as const)('$readiness -> $want', ({ readiness, want }) => {
    expect(isLaggard({ readiness })).toBe(want);
  });
});

describe('templateEnforces', () => {
  const def = (httpTokens: AccountDefault['httpTokens']) => makeAccountDefault({ httpTokens });

  it.each([
    // name, template HttpTokens, account default, enforces
    ['template required', 'required', null, true],
    ['template optional beats default required', 'optional', def('required'), false],
    ['template required beats default optional', 'required', def('optional'), true],
    ['unset, default required', null, def('required'), true],
    ['unset, default optional', null, def('optional'), false],
    ['unset, default no-preference', null, def('no-preference'), false],
    ['unset, default unknown', null, null, false],
  ] as const)('%s -> %s', (_name, tokens, accountDefault, want) => {
    expect(templateEnforces(tokens, accountDefault)).toBe(want);
  });
});

describe('resolveTemplateVersion', () => {
  const template = makeLaunchTemplate({ defaultVersion: 3, latestVersion: 7 });
  it.each([
    { named: '$Default', want: 3 },
    { named: '$Latest', want: 7 },
    { named: '5', want: 5 },
    { named: 'v5', want: null },
    { named: '', want: null },
  ])('$named -> $want', ({ named, want }) => {
    expect(resolveTemplateVersion(named, template)).toBe(want);
  });
});

describe('classifyScope', () => {
  const classifyOne = (instance: Instance, usage: ReadonlyMap<string, Usage> = new Map()) =>
    classifyScope(makeInventory({ instances: [instance] }), usage, OPTS)[0];

  it('copies the instance fields and fills owner, readiness, usage and risk', () => {
    const instance = makeInstance({
      instanceId: 'i-0aaa',
      name: 'web-1',
      launchTime: OLD,
      tags: { Name: 'web-1', team: 'payments', Environment: 'Prod' },
      metadata: { hopLimit: 2, state: 'pending' },
      iamInstanceProfileArn: 'arn:aws:iam::123456789012:instance-profile/web',
      publicIp: '203.0.113.7',
      containerHost: 'eks',
    });
    const usage = makeUsage({ noTokenCalls: 3, lastSeen: '2025-06-14T00:00:00.000Z' });

    const finding = classifyOne(instance, new Map([['i-0aaa', usage]]));

    expect(finding).toEqual({
      instanceId: 'i-0aaa',
      accountId: '123456789012',
      region: 'eu-west-1',
      name: 'web-1',
      state: 'running',
      launchTime: OLD,
      httpTokens: 'optional',
      httpEndpoint: 'enabled',
      hopLimit: 2,
      metadataState: 'pending',
      owner: 'payments',
      ownerTag: 'team',
      readiness: 'in-use',
      usage,
      asg: null,
      launchTemplate: null,
      templateRisk: null,
      risk: { iamRole: true, publicIp: true, prod: true, containerHost: 'eks' },
      tags: { Name: 'web-1', team: 'payments', Environment: 'Prod' },
    });
  });

  it('reports no owner and no risk when nothing says so', () => {
    const finding = classifyOne(makeInstance({ tags: { Environment: 'dev' } }));
    expect(finding).toMatchObject({
      owner: null,
      ownerTag: null,
      risk: { iamRole: false, publicIp: false, prod: false, containerHost: null },
    });
  });

  it.each([
    { name: 'tokens required', md: { httpTokens: 'required' } },
    { name: 'endpoint disabled', md: { httpEndpoint: 'disabled' } },
  ] as const)('usage is null when not queried: $name', ({ md }) => {
    const instance = makeInstance({ metadata: md });
    const finding = classifyOne(instance, new Map([[instance.instanceId, makeUsage({ noTokenCalls: 9 })]]));
    expect(finding?.usage).toBeNull();
  });

  it('gives an optional instance with no usage entry an empty usage and readiness unknown', () => {
    const finding = classifyOne(makeInstance({ launchTime: OLD }));
    expect(finding).toMatchObject({
      readiness: 'unknown',
      usage: { noTokenCalls: 0, lastSeen: null, datapoints: 0 },
    });
  });

  it('measures youth against now - windowDays', () => {
    const instance = makeInstance({ launchTime: '2025-06-05T00:00:00.000Z' });
    const usage = new Map([[instance.instanceId, makeUsage()]]);
    const inventory = makeInventory({ instances: [instance] });

    const week = classifyScope(inventory, usage, { ...OPTS, windowDays: 7 });
    const fortnight = classifyScope(inventory, usage, { ...OPTS, windowDays: 14 });

    expect([week[0]?.readiness, fortnight[0]?.readiness]).toEqual(['ready', 'unknown']);
  });

  it('keeps inventory order', () => {
    const a = makeInstance();
    const b = makeInstance();
    const ids = classifyScope(makeInventory({ instances: [b, a] }), new Map(), OPTS).map((f) => f.instanceId);
    expect(ids).toEqual([b.instanceId, a.instanceId]);
  });

  it('returns nothing for an empty scope', () => {
    expect(classifyScope(makeInventory(), new Map(), OPTS)).toEqual([]);
  });
});

describe('classifyScope templateRisk', () => {
  const LT = 'lt-0abc';
  const ref = (version: string) => ({ id: LT, version });
  type Tokens = 'optional' | 'required' | null;
  /** a group naming `version`; `launches` given: resolved by the adapter, absent: unresolved */
  const asg = (version: string | null, launches?: Tokens) =>
    makeAutoScalingGroup({
      name: 'web-asg',
      launchTemplate: version === null ? null : ref(version),
      launches: launches === undefined ? null : { version: 2, httpTokens: launches },
    });
  /** the template's default version is 2, its latest 4 */
  const template = (httpTokens: Tokens) =>
    makeLaunchTemplate({ launchTemplateId: LT, defaultVersion: 2, latestVersion: 4, httpTokens });
  const def = (httpTokens: 'optional' | 'required') => makeAccountDefault({ httpTokens });
  const FIXED = 'asg-fixed-template';
  const UNFIXED = 'asg-unfixed-template';
  const NO_TEMPLATE = 'asg-no-template';

  it.each([
    // name, groups, templates, account default, templateRisk
    ['ASG missing from inventory', [], [], null, NO_TEMPLATE],
    ['ASG without launch template', [asg(null)], [], null, NO_TEMPLATE],
    ['launches required', [asg('$Latest', 'required')], [], null, FIXED],
    ['launches optional, default required', [asg('$Latest', 'optional')], [], def('required'), UNFIXED],
    ['launches unset, default required', [asg('3', null)], [], def('required'), FIXED],
    ['launches unset, default optional', [asg('3', null)], [], def('optional'), UNFIXED],
    ['launches unset, default unknown', [asg('3', null)], [], null, UNFIXED],
    [
      'launches beats the default version record',
      [asg('$Default', 'optional')],
      [template('required')],
      null,
      UNFIXED,
    ],
    ['unresolved $Default, version required', [asg('$Default')], [template('required')], null, FIXED],
    [
      'unresolved $Default, version optional',
      [asg('$Default')],
      [template('optional')],
      def('required'),
      UNFIXED,
    ],
    [
      'unresolved $Default, unset, default required',
      [asg('$Default')],
      [template(null)],
      def('required'),
      FIXED,
    ],
    ['unresolved $Latest ahead of default', [asg('$Latest')], [template('required')], null, UNFIXED],
    ['unresolved numeric equal to default', [asg('2')], [template('required')], null, FIXED],
    ['unresolved numeric other than default', [asg('3')], [template('required')], null, UNFIXED],
    ['unresolved, template not in inventory', [asg('$Default')], [], def('required'), UNFIXED],
  ] as const)('%s -> %s', (_name, groups, templates, accountDefault, want) => {
    const instance = makeInstance({ asg: 'web-asg', launchTemplate: ref('2') });
    const inventory = makeInventory({
      instances: [instance],
      autoScalingGroups: [...groups],
      launchTemplates: [...templates],
      accountDefault,
    });

    const [finding] = classifyScope(inventory, new Map(), OPTS);

    expect(finding?.templateRisk).toBe(want);
  });

  it('resolves $Latest when the latest version is the default', () => {
    const instance = makeInstance({ asg: 'web-asg' });
    const inventory = makeInventory({
      instances: [instance],
      autoScalingGroups: [asg('$Latest')],
      launchTemplates: [
        makeLaunchTemplate({
          launchTemplateId: LT,
          defaultVersion: 4,
          latestVersion: 4,
          httpTokens: 'required',
        }),
      ],
    });
    expect(classifyScope(inventory, new Map(), OPTS)[0]?.templateRisk).toBe('asg-fixed-template');
  });

  it('is null for an instance outside any ASG, even one launched from a template', () => {
    const instance = makeInstance({ launchTemplate: ref('1') });
    const inventory = makeInventory({ instances: [instance], launchTemplates: [template('optional')] });
    expect(classifyScope(inventory, new Map(), OPTS)[0]?.templateRisk).toBeNull();
  });
});

describe('classifyScope containerHost', () => {
  // ECS tags a capacity provider's group AmazonECSManaged; the instances carry it only where the tag
  // propagates at launch. EKS tags a managed node group's group eks:nodegroup-name the same way.
  type Manager = NonNullable<Parameters<typeof makeAutoScalingGroup>[0]>['manager'];
  const group = (manager: Manager) =>
    makeAutoScalingGroup({ name: 'ecs-asg', launchTemplate: null, launches: null, manager });
  const classify = (instanceTags: Record<string, string>, g: ReturnType<typeof group> | null) =>
    classifyScope(
      makeInventory({
        instances: [makeInstance({ asg: g ? 'ecs-asg' : null, tags: instanceTags })],
        autoScalingGroups: g ? [g] : [],
      }),
      new Map(),
      OPTS,
    )[0]?.risk.containerHost;

  it('an instance of an ECS capacity provider group is an ECS host, untagged itself', () => {
    expect(classify({}, group({ kind: 'ecs' }))).toBe('ecs');
  });

  it('an instance of an EKS managed node group is an EKS host, untagged itself', () => {
    expect(classify({}, group({ kind: 'eks', cluster: 'c1', nodegroup: 'ng' }))).toBe('eks');
  });

  it('an instance outside any group is a host only by its own tags', () => {
    expect(classify({}, null)).toBeNull();
  });
});
