import { describe, expect, it } from 'vitest';
import { guardrailsBlocks } from '../../src/adapters/slack/blocks/guardrails.js';
import { organizationCoverage } from '../../src/domain/guardrails/coverage.js';

const REQUIRE = {
  Effect: 'Deny',
  Action: 'ec2:RunInstances',
  Resource: '*',
  Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
};
const MODIFY = {
  Effect: 'Deny',
  Action: 'ec2:ModifyInstanceMetadataOptions',
  Resource: '*',
  Condition: { StringNotLike: { 'aws:PrincipalARN': 'arn:aws:iam::*:role/break-glass' } },
};

const texts = (blocks: ReturnType<typeof guardrailsBlocks>) =>
  blocks.map((b) => ('text' in b && typeof b.text === 'object' ? b.text.text : ''));

describe('guardrailsBlocks', () => {
  it('answers the seed questions and lists protections, break-glass and bare OUs, names escaped', () => {
    const coverage = organizationCoverage(
      [
        { id: 'r-root', name: 'Root', parentId: null },
        { id: 'ou-prod', name: 'prod', parentId: 'r-root' },
        { id: 'ou-dev', name: '<!channel> dev', parentId: 'r-root' },
      ],
      [
        { id: '111111111111', name: 'web', parentId: 'ou-prod' },
        { id: '222222222222', name: 'play', parentId: 'ou-dev' },
      ],
      [
        {
          id: 'p-1',
          name: 'imds',
          type: 'SERVICE_CONTROL_POLICY',
          content: JSON.stringify({ Statement: [REQUIRE, MODIFY] }),
          targets: ['ou-prod'],
        },
      ],
    );

    const out = texts(
      guardrailsBlocks(coverage, { instancesAllowingV1: 1234, scopesRequiringTokens: 3, scopes: 34 }),
    );

    expect(out[1]).toBe(
      [
        '*Instances allowing IMDSv1:* 1,234',
        '*SCP blocking IMDSv1 launches:* 1 of 2 accounts',
        '*New launches configured for IMDSv2:* 3 of 34 account × regions',
      ].join('\n'),
    );
    expect(out[2]).toBe(
      [
        'web (111111111111): launch requires IMDSv2, metadata options locked · break-glass: aws:PrincipalARN StringNotLike arn:aws:iam::*:role/break-glass',
        'play (222222222222): no protection',
      ].join('\n'),
    );
    expect(out[3]).toBe('*OUs with no protection:* Root (r-root), &lt;!channel&gt; dev (ou-dev)');
  });
});
