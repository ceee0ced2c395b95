import { describe, expect, it } from 'vitest';
import { evaluateConditions } from '../../src/domain/guardrails/conditions.js';
import { parsePolicyDocument, wildcardMatch } from '../../src/domain/guardrails/policy-document.js';
import { analyseScp, type Protection } from '../../src/domain/guardrails/scp.js';

const REF = { id: 'p-1', name: 'imds' };
const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const kinds = (content: string) => {
  const a = analyseScp(REF, content);
  if (!a.ok) throw new Error(a.error);
  return a.protections;
};
const only = (ps: Protection[]) => ps.map((p) => ({ kind: p.kind, partial: p.partial }));

const REQUIRE_IMDSV2 = {
  Sid: 'RequireImdsV2',
  Effect: 'Deny',
  Action: 'ec2:RunInstances',
  Resource: 'arn:aws:ec2:*:*:instance/*',
  Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
};

describe('parsePolicyDocument', () => {
  it('normalises a single statement object and single strings into lists', () => {
    const parsed = parsePolicyDocument(JSON.stringify({ Statement: REQUIRE_IMDSV2 }));
    expect(parsed).toEqual({
      ok: true,
      statements: [
        {
          sid: 'RequireImdsV2',
          effect: 'Deny',
          actions: ['ec2:RunInstances'],
          notActions: null,
          resources: ['arn:aws:ec2:*:*:instance/*'],
          notResources: null,
          conditions: [{ operator: 'StringNotEquals', key: 'ec2:MetadataHttpTokens', values: ['required'] }],
        },
      ],
    });
  });

  it.each([
    ['not JSON', '{', 'policy content is not JSON'],
    ['no Statement', '{"Version":"2012-10-17"}', 'policy content is not an IAM policy document'],
    ['bad Effect', doc({ Effect: 'Maybe', Action: '*' }), 'policy content is not an IAM policy document'],
  ])('%s is an error value', (_, content, error) => {
    expect(parsePolicyDocument(content)).toEqual({ ok: false, error });
  });
});

describe('wildcardMatch', () => {
  it.each([
    ['ec2:*', 'ec2:RunInstances', true, true],
    ['ec2:Run*', 'ec2:RunInstances', true, true],
    ['EC2:runinstances', 'ec2:RunInstances', true, true],
    ['ec2:Run?nstances', 'ec2:RunInstances', true, true],
    ['ec2:Describe*', 'ec2:RunInstances', true, false],
    ['arn:aws:ec2:us-east-1:*:instance/*', 'arn:aws:ec2:*:*:instance/*', false, false],
    ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ec2:*:*:instance/*', false, true],
    ['a.b', 'axb', false, false],
  ])('%s against %s', (pattern, value, ignoreCase, expected) => {
    expect(wildcardMatch(pattern, value, ignoreCase)).toBe(expected);
  });
});

describe('evaluateConditions', () => {
  const entry = (operator: string, key: string, ...values: string[]) => ({ operator, key, values });
  it.each([
    [
      'StringNotEquals on a missing key holds',
      entry('StringNotEquals', 'ec2:MetadataHttpTokens', 'required'),
      {},
      true,
    ],
    [
      'StringEquals on a missing key fails',
      entry('StringEquals', 'ec2:MetadataHttpTokens', 'optional'),
      {},
      false,
    ],
    [
      'StringEqualsIfExists on a missing key holds',
      entry('StringEqualsIfExists', 'ec2:MetadataHttpTokens', 'optional'),
      {},
      true,
    ],
    ['Null true holds when missing', entry('Null', 'ec2:MetadataHttpTokens', 'true'), {}, true],
    [
      'Null true fails when present',
      entry('Null', 'ec2:MetadataHttpTokens', 'true'),
      { 'ec2:MetadataHttpTokens': 'optional' },
      false,
    ],
    [
      'keys compare case-insensitively',
      entry('StringEquals', 'EC2:metadatahttptokens', 'optional'),
      { 'ec2:MetadataHttpTokens': 'optional' },
      true,
    ],
    [
      'a value list matches any',
      entry('StringEquals', 'ec2:MetadataHttpTokens', 'x', 'optional'),
      { 'ec2:MetadataHttpTokens': 'optional' },
      true,
    ],
    [
      'NumericLessThan 2.0 with 1.0',
      entry('NumericLessThan', 'ec2:RoleDelivery', '2.0'),
      { 'ec2:RoleDelivery': '1.0' },
      true,
    ],
    [
      'NumericLessThan 2.0 with 2.0',
      entry('NumericLessThan', 'ec2:RoleDelivery', '2.0'),
      { 'ec2:RoleDelivery': '2.0' },
      false,
    ],
  ])('%s', (_, c, probe, fires) => {
    expect(evaluateConditions([c], probe).fires).toBe(fires);
  });

  it('sorts conditions on other keys into exceptions (negated) and scopes (positive)', () => {
    const spare = entry('StringNotLike', 'aws:PrincipalARN', 'arn:aws:iam::*:role/break-glass');
    const target = entry('StringEquals', 'aws:RequestedRegion', 'eu-west-1');
    expect(evaluateConditions([spare, target], {})).toEqual({
      fires: true,
      exceptions: [spare],
      scopedBy: [target],
    });
  });
});

describe('analyseScp', () => {
  it('reads the EC2 User Guide example: deny RunInstances unless tokens are required', () => {
    expect(only(kinds(doc(REQUIRE_IMDSV2)))).toEqual([{ kind: 'launch-requires-tokens', partial: null }]);
  });

  it.each([
    ['Action ec2:*', { ...REQUIRE_IMDSV2, Action: 'ec2:*' }],
    ['Action ec2:Run*', { ...REQUIRE_IMDSV2, Action: ['ec2:Run*'] }],
    ['NotAction of describes', { ...REQUIRE_IMDSV2, Action: undefined, NotAction: ['ec2:Describe*'] }],
    ['Resource *', { ...REQUIRE_IMDSV2, Resource: '*' }],
    [
      'StringNotEqualsIfExists',
      { ...REQUIRE_IMDSV2, Condition: { StringNotEqualsIfExists: { 'ec2:MetadataHttpTokens': 'required' } } },
    ],
  ])('%s still protects every launch', (_, statement) => {
    const launch = only(kinds(doc(statement))).filter((p) => p.kind === 'launch-requires-tokens');
    expect(launch).toEqual([{ kind: 'launch-requires-tokens', partial: null }]);
  });

  it('StringEquals optional alone spares a launch that leaves HttpTokens out', () => {
    const s = { ...REQUIRE_IMDSV2, Condition: { StringEquals: { 'ec2:MetadataHttpTokens': 'optional' } } };
    expect(only(kinds(doc(s)))).toEqual([
      { kind: 'launch-requires-tokens', partial: 'a launch that leaves HttpTokens out is not denied' },
    ]);
  });

  it('a Null statement alone spares a launch that asks for optional', () => {
    const s = { ...REQUIRE_IMDSV2, Condition: { Null: { 'ec2:MetadataHttpTokens': 'true' } } };
    expect(only(kinds(doc(s)))[0]?.partial).toBe('a launch that asks for HttpTokens optional is not denied');
  });

  it('a region-bound resource or a positive condition protects only part', () => {
    const region = { ...REQUIRE_IMDSV2, Resource: 'arn:aws:ec2:us-east-1:*:instance/*' };
    const tagged = {
      ...REQUIRE_IMDSV2,
      Condition: { ...REQUIRE_IMDSV2.Condition, StringEquals: { 'aws:ResourceTag/env': 'prod' } },
    };
    expect(only(kinds(doc(region)))[0]?.partial).toBe('only resources arn:aws:ec2:us-east-1:*:instance/*');
    expect(only(kinds(doc(tagged)))[0]?.partial).toBe('only when aws:ResourceTag/env StringEquals prod');
  });

  it('a value list that lets optional through denies only launches that leave HttpTokens out', () => {
    const s = {
      ...REQUIRE_IMDSV2,
      Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': ['required', 'optional'] } },
    };
    expect(only(kinds(doc(s)))).toEqual([
      { kind: 'launch-requires-tokens', partial: 'a launch that asks for HttpTokens optional is not denied' },
    ]);
  });

  it('an Allow statement or a deny of all launches is no IMDS protection', () => {
    expect(kinds(doc({ ...REQUIRE_IMDSV2, Effect: 'Allow' }))).toEqual([]);
    expect(kinds(doc({ Effect: 'Deny', Action: 'ec2:RunInstances', Resource: '*' }))).toEqual([]);
  });

  it('deny ModifyInstanceMetadataOptions to all but the break-glass role', () => {
    const s = {
      Effect: 'Deny',
      Action: 'ec2:ModifyInstanceMetadataOptions',
      Resource: '*',
      Condition: {
        StringNotLike: {
          'aws:PrincipalARN': ['arn:aws:iam::*:role/break-glass', 'arn:aws:iam::*:role/imds-bot'],
        },
      },
    };
    const [p] = kinds(doc(s));
    expect(p).toMatchObject({
      kind: 'modify-restricted',
      mode: 'all',
      partial: null,
      exceptions: [
        'aws:PrincipalARN StringNotLike arn:aws:iam::*:role/break-glass, arn:aws:iam::*:role/imds-bot',
      ],
    });
  });

  it('deny opting out (ec2:Attribute/HttpTokens with Null false) restricts changes to optional only', () => {
    const s = {
      Effect: 'Deny',
      Action: 'ec2:ModifyInstanceMetadataOptions',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: {
        StringNotEquals: { 'ec2:Attribute/HttpTokens': 'required' },
        Null: { 'ec2:Attribute/HttpTokens': false },
      },
    };
    expect(kinds(doc(s))).toMatchObject([{ kind: 'modify-restricted', mode: 'opt-out', partial: null }]);
  });

  it('RoleDelivery below 2.0 denied on every action', () => {
    const s = {
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } },
    };
    expect(only(kinds(doc(s)))).toEqual([{ kind: 'role-delivery-v2', partial: null }]);
    const s3Only = { ...s, Action: 's3:*' };
    expect(only(kinds(doc(s3Only)))).toEqual([{ kind: 'role-delivery-v2', partial: 'only actions s3:*' }]);
  });

  it('a hop-limit ceiling gives the highest hop a launch may ask for', () => {
    const s = {
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { NumericGreaterThan: { 'ec2:MetadataHttpPutResponseHopLimit': '3' } },
    };
    expect(kinds(doc(s))).toMatchObject([{ kind: 'hop-limit-max', maxHopLimit: 3, partial: null }]);
  });

  it('one policy with all four statements gives all four protections, with their Sids', () => {
    const all = doc(
      REQUIRE_IMDSV2,
      { Sid: 'M', Effect: 'Deny', Action: 'ec2:ModifyInstanceMetadataOptions', Resource: '*' },
      {
        Sid: 'R',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } },
      },
      {
        Sid: 'H',
        Effect: 'Deny',
        Action: 'ec2:RunInstances',
        Resource: '*',
        Condition: { NumericGreaterThan: { 'ec2:MetadataHttpPutResponseHopLimit': '2' } },
      },
    );
    expect(kinds(all).map((p) => [p.kind, p.sid, p.policyId])).toEqual([
      ['launch-requires-tokens', 'RequireImdsV2', 'p-1'],
      ['modify-restricted', 'M', 'p-1'],
      ['role-delivery-v2', 'R', 'p-1'],
      ['hop-limit-max', 'H', 'p-1'],
    ]);
  });
});
