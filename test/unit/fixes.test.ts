import { describe, expect, it } from 'vitest';
import { fixAdvice, hopLimitFor, iacToolsOf, type LaunchedAs } from '../../src/domain/fixes/iac.js';
import { nonProdTwins, type TwinCandidate } from '../../src/domain/fixes/twins.js';
import { IMDSV2_MINIMUMS, minimumLine } from '../../src/domain/fixes/versions.js';

const launched = (partial: Partial<LaunchedAs> = {}): LaunchedAs => ({
  fromTemplate: false,
  asg: null,
  containerHost: null,
  hopLimit: 1,
  tags: {},
  ...partial,
});

describe('iacToolsOf', () => {
  it.each([
    [{ 'aws:cloudformation:stack-name': 'web' }, ['cloudformation', 'cdk']],
    [{ ManagedBy: 'Terraform' }, ['terraform']],
    [{ 'terraform-workspace': 'prod' }, ['terraform']],
    [{ Owner: 'terraform-fans' }, ['terraform', 'cloudformation', 'cdk']],
    [{}, ['terraform', 'cloudformation', 'cdk']],
  ])('%j -> %j', (tags, tools) => {
    expect(iacToolsOf(tags)).toEqual(tools);
  });
});

describe('fixAdvice', () => {
  it('a stand-alone Terraform instance: aws_instance metadata_options, hop limit kept', () => {
    const advice = fixAdvice(launched({ tags: { ManagedBy: 'terraform' } }));
    expect(advice.fixes).toEqual([
      {
        tool: 'terraform',
        resource: 'aws_instance',
        snippet: [
          'resource "aws_instance" "this" {',
          '  # ...',
          '  metadata_options {',
          '    http_endpoint               = "enabled"',
          '    http_tokens                 = "required"',
          '    http_put_response_hop_limit = 1',
          '  }',
          '}',
        ].join('\n'),
      },
    ]);
    expect(advice.rollout).toBe('apply the change: it modifies the running instance without replacing it');
  });

  it('an EKS node from a CloudFormation stack: the launch template, hop limit 2, the node-group update', () => {
    const advice = fixAdvice(
      launched({
        fromTemplate: true,
        asg: 'eks-ng',
        containerHost: 'eks',
        tags: { 'aws:cloudformation:stack-name': 's' },
      }),
    );
    expect(advice.hopLimit).toBe(2);
    expect(advice.fixes.map((f) => f.resource)).toEqual(['AWS::EC2::LaunchTemplate', 'ec2.LaunchTemplate']);
    expect(advice.fixes[0]?.snippet).toBe(
      [
        'LaunchTemplate:',
        '  Type: AWS::EC2::LaunchTemplate',
        '  Properties:',
        '    LaunchTemplateData:',
        '      MetadataOptions:',
        '        HttpEndpoint: enabled',
        '        HttpTokens: required',
        '        HttpPutResponseHopLimit: 2',
      ].join('\n'),
    );
    expect(advice.fixes[1]?.snippet).toBe(
      [
        "new ec2.LaunchTemplate(this, 'LaunchTemplate', {",
        '  // ...',
        '  requireImdsv2: true,',
        '  httpPutResponseHopLimit: 2,',
        '});',
      ].join('\n'),
    );
    expect(advice.rollout).toContain('update the EKS node group');
  });

  it('a CDK instance that is no container host needs only requireImdsv2', () => {
    const cdk = fixAdvice(launched({ tags: { 'aws:cloudformation:stack-name': 's' } })).fixes[1];
    expect(cdk).toEqual({
      tool: 'cdk',
      resource: 'ec2.Instance',
      snippet: "new ec2.Instance(this, 'Instance', {\n  // ...\n  requireImdsv2: true,\n});",
    });
  });

  it.each([
    [null, 1, 1],
    [null, 3, 3],
    ['ecs', 1, 2],
    ['eks', 4, 4],
  ] as const)('container host %s with hop %i gets hop %i', (containerHost, hopLimit, expected) => {
    expect(hopLimitFor({ containerHost, hopLimit })).toBe(expected);
  });

  it('an ASG member without IaC tags gets the template in all three tools and the instance refresh', () => {
    const advice = fixAdvice(launched({ asg: 'web', fromTemplate: true }));
    expect(advice.fixes.map((f) => f.resource)).toEqual([
      'aws_launch_template',
      'AWS::EC2::LaunchTemplate',
      'ec2.LaunchTemplate',
    ]);
    expect(advice.rollout).toBe('new launch template version, then an instance refresh of the group');
  });
});

describe('IMDSV2_MINIMUMS', () => {
  it('every entry cites its page; the ones no AWS page states carry no version', () => {
    for (const m of IMDSV2_MINIMUMS) expect(m.source).toMatch(/^https:\/\//);
    const unconfirmed = IMDSV2_MINIMUMS.filter((m) => m.minimum === null).map((m) => m.software);
    expect(unconfirmed).toEqual(['SSM Agent', 'CloudWatch agent']);
  });

  it('reads as one line each', () => {
    const cli = IMDSV2_MINIMUMS.find((m) => m.software === 'AWS CLI');
    const ssm = IMDSV2_MINIMUMS.find((m) => m.software === 'SSM Agent');
    expect(cli && minimumLine(cli)).toBe('AWS CLI ≥ 1.16.289 (AWS CLI v2: every release)');
    expect(ssm && minimumLine(ssm)).toBe(
      'SSM Agent current release (no documented minimum; update to the current release)',
    );
  });
});

describe('nonProdTwins', () => {
  let n = 0;
  const c = (partial: Partial<TwinCandidate>): TwinCandidate => ({
    instanceId: `i-${++n}`,
    accountId: '123456789012',
    name: null,
    tags: {},
    prod: false,
    laggard: false,
    enforced: false,
    ...partial,
  });

  it('pairs a production laggard with an enforced non-production twin of the same app tag or Name', () => {
    const byApp = c({ prod: true, laggard: true, tags: { app: ' Checkout ' } });
    const byName = c({ prod: true, laggard: true, name: 'search-api' });
    const lonely = c({ prod: true, laggard: true, tags: { app: 'billing' } });
    const appTwin = c({ enforced: true, tags: { App: 'checkout' } });
    const nameTwin = c({ enforced: true, name: 'SEARCH-API' });
    const summary = nonProdTwins([byApp, byName, lonely, appTwin, nameTwin], {
      keys: ['app', 'Name'],
      broken: new Set(),
    });
    expect(summary).toEqual({
      prodLaggards: 3,
      withTwin: 2,
      pairs: [
        { instanceId: byApp.instanceId, twinId: appTwin.instanceId, key: 'app', value: 'Checkout' },
        { instanceId: byName.instanceId, twinId: nameTwin.instanceId, key: 'Name', value: 'search-api' },
      ],
    });
  });

  it('a twin that broke, still allows IMDSv1, or is itself production does not count', () => {
    const laggard = c({ prod: true, laggard: true, tags: { app: 'x' } });
    const broken = c({ enforced: true, tags: { app: 'x' } });
    const notYet = c({ enforced: false, tags: { app: 'x' } });
    const prodTwin = c({ prod: true, enforced: true, tags: { app: 'x' } });
    const summary = nonProdTwins([laggard, broken, notYet, prodTwin], {
      keys: ['app'],
      broken: new Set([broken.instanceId]),
    });
    expect(summary).toEqual({ prodLaggards: 1, withTwin: 0, pairs: [] });
  });
});
