import type { SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { buildDigestMessage } from '../../src/adapters/slack/blocks/digest.js';
import { digestFixLine, fixBlocks } from '../../src/adapters/slack/blocks/fix.js';
import { checkBlockKitLimits, checkMessageText } from '../../src/adapters/slack/blocks/limits.js';
import { instanceStatusMessage } from '../../src/adapters/slack/blocks/status.js';
import { render } from '../../src/adapters/slack/render.js';
import { buildDigests } from '../../src/domain/findings/digest.js';
import { findingFix } from '../../src/domain/fixes/advice.js';
import { makeFinding, makeUsage } from '../support/factories.js';

const inUse = makeUsage({ noTokenCalls: 42, lastSeen: '2025-06-15T10:00:00.000Z', datapoints: 4032 });
const texts = (blocks: readonly unknown[]): string =>
  (blocks as SectionBlock[]).map((b) => b.text?.text ?? '').join('\n');

describe('findingFix: the rule that picks the snippet', () => {
  it.each([
    [
      'a CloudFormation stack in an ASG: the launch template, CloudFormation and CDK',
      { tags: { 'aws:cloudformation:stack-name': 'web' }, asg: 'web-asg' },
      ['AWS::EC2::LaunchTemplate', 'ec2.LaunchTemplate'],
      /aws:cloudformation:stack-name/,
    ],
    [
      'a Terraform tag on a stand-alone instance: aws_instance',
      { tags: { ManagedBy: 'terraform', Owner: 'terraform-fans' } },
      ['aws_instance'],
      /ManagedBy/,
    ],
    [
      'a launch template, no tool tag: each tool, on the template',
      { launchTemplate: { id: 'lt-0abc', version: '3' } },
      ['aws_launch_template', 'AWS::EC2::LaunchTemplate', 'ec2.LaunchTemplate'],
      /no tag names the tool/,
    ],
  ])('%s', (_, over, resources, because) => {
    const fix = findingFix(makeFinding({ readiness: 'in-use', usage: inUse, ...over }));
    expect(fix.fixes.map((x) => x.resource)).toEqual(resources);
    expect(render(fix.toolBecause).text).toMatch(because);
  });

  it('a container host gets hop limit 2 and says how it was recognised; others keep theirs', () => {
    const eks = findingFix(makeFinding({ hopLimit: 1, risk: { containerHost: 'eks' } }));
    const plain = findingFix(makeFinding({ hopLimit: 1 }));
    expect(eks.hopLimit).toBe(2);
    expect(eks.fixes[0]?.snippet).toContain('http_put_response_hop_limit = 2');
    expect(render(eks.hopBecause ?? { kind: 'code', value: '' }).text).toContain('EKS container host');
    expect(plain.hopLimit).toBe(1);
    expect(plain.hopBecause).toBeNull();
  });
});

describe('/imds status of an in-use instance carries the fix', () => {
  const f = makeFinding({
    instanceId: 'i-0aaaabbbbcccc1111',
    readiness: 'in-use',
    usage: inUse,
    asg: 'eks-nodes',
    launchTemplate: { id: 'lt-0123', version: '4' },
    tags: { 'aws:cloudformation:stack-name': 'eks-stack', 'eks:cluster-name': 'prod' },
    risk: { containerHost: 'eks' },
  });

  it('the snippets for the resource as launched, hop limit 2, and the cited minimum versions', () => {
    const msg = instanceStatusMessage(f, '2025-06-15T11:00:00.000Z');
    const all = texts(msg.blocks);
    expect(all).toContain('AWS::EC2::LaunchTemplate');
    expect(all).toContain('HttpPutResponseHopLimit: 2');
    expect(all).toContain('requireImdsv2: true');
    expect(all).not.toContain('aws_instance');
    expect(all).toContain('AWS CLI ≥ 1.16.289');
    expect(all).toContain('SDK for Python (Boto3) ≥ 1.12.6');
    expect(all).toContain(
      '<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/use-a-supported-sdk-version-for-imdsv2.html|',
    );
    expect(all).toContain('update the EKS node group');
    expect(checkBlockKitLimits(msg.blocks)).toEqual([]);
  });

  it('a compliant instance has no fix to show', () => {
    expect(fixBlocks(makeFinding({ readiness: 'compliant', httpTokens: 'required' }))).toEqual([]);
  });

  it('tag keys and names from AWS are escaped: a hostile Terraform tag key cannot mention anyone', () => {
    const hostile = makeFinding({
      readiness: 'in-use',
      usage: inUse,
      asg: '<!channel> `x` &',
      tags: { '<!here>terraform': 'x' },
    });
    const all = texts(fixBlocks(hostile));
    expect(all).not.toMatch(/<!(channel|here)>/);
    expect(all).toContain('&lt;!here&gt;terraform');
    expect(all).toContain('&lt;!channel&gt;');
  });
});

describe('digest rows of in-use instances', () => {
  it('carry the one-line change and point at the versions; 60 of them still fit Block Kit', () => {
    const findings = Array.from({ length: 60 }, (_, i) =>
      makeFinding({
        instanceId: `i-${(i + 1).toString(16).padStart(17, '0')}`,
        owner: 'o',
        readiness: 'in-use',
        usage: inUse,
        tags: { ManagedBy: 'Terraform' },
        launchTemplate: { id: 'lt-1', version: '1' },
        risk: { containerHost: 'ecs' },
      }),
    );
    const [d] = buildDigests({
      findings,
      ownerKeyOf: () => 'o',
      snoozed: new Set(),
      previous: new Map(),
      regressedIds: new Set(),
    });
    if (!d) throw new Error('no digest');
    const m = buildDigestMessage(d, { ownerLabel: 'o', now: new Date(), buttonValue: () => 'ref' });
    expect(checkBlockKitLimits(m.blocks)).toEqual([]);
    expect(checkMessageText(m.text)).toEqual([]);
    const row = texts(m.blocks.filter((b) => b.type === 'section')).split('\n');
    expect(row).toContainEqual(
      expect.stringContaining(
        'Fix in Terraform: `aws_launch_template` `metadata_options { http_tokens = "required", http_put_response_hop_limit = 2 }`',
      ),
    );
    expect(texts(m.blocks)).toContain('CLI ≥ 1.16.289');
    expect(m.overflow.length).toBeGreaterThan(0);
  });

  it('a ready instance has no fix line (nothing calls IMDSv1 to fix)', () => {
    expect(digestFixLine(makeFinding({ readiness: 'ready' }))).toBeNull();
  });
});
