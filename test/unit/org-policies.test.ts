// The organization guardrail examples (deploy/policies): SCPs parsed against the IAM policy grammar
// and evaluated on sample requests; EC2 declarative policies parsed against the documented syntax.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { effectiveDefaults, parseDeclarativePolicy } from '../../src/domain/guardrails/declarative.js';
import { analyseScp } from '../../src/domain/guardrails/scp.js';

const dir = new URL('../../deploy/policies/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, dir), 'utf8');
const files = readdirSync(dir);
const scpFiles = files.filter((f) => f.startsWith('scp-') && f.endsWith('.json'));
const declarativeFiles = files.filter((f) => f.startsWith('declarative-') && f.endsWith('.json'));

// ----------------------------------------------------------------------------------- IAM grammar
const BASE_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnNotEquals',
  'ArnLike',
  'ArnNotLike',
];
/** every operator of the IAM condition grammar: base, ...IfExists, set qualifiers, and Null */
const KNOWN_OPERATORS = new Set([
  'Null',
  ...BASE_OPERATORS.flatMap((op) => [op, `${op}IfExists`]).flatMap((op) => [
    op,
    `ForAllValues:${op}`,
    `ForAnyValue:${op}`,
  ]),
]);
/** the condition keys these guardrails may use, with the type their values must have */
const KEYS: Record<string, RegExp> = {
  'ec2:MetadataHttpTokens': /^(required|optional)$/,
  'ec2:MetadataHttpPutResponseHopLimit': /^\d+$/,
  'ec2:Attribute/HttpTokens': /^(required|optional)$/,
  'ec2:RoleDelivery': /^\d\.\d$/,
  'aws:PrincipalArn': /^arn:aws:iam::(\*|\d{12}):role\/[\w+=,.@*/-]+$/,
};

const Strings = z
  .union([z.string(), z.array(z.string()).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));
const Condition = z.record(
  z.string().refine((op) => KNOWN_OPERATORS.has(op), 'a condition operator of the IAM grammar'),
  z.record(z.string(), Strings),
);
const Statement = z.strictObject({
  Sid: z.string().regex(/^[A-Za-z0-9]+$/),
  Effect: z.enum(['Allow', 'Deny']),
  Action: Strings.pipe(z.array(z.string().regex(/^(\*|[a-z0-9-]+:[A-Za-z*]+)$/))),
  Resource: Strings,
  Condition: Condition.optional(),
});
type Statement = z.infer<typeof Statement>;
const Scp = z.strictObject({ Version: z.literal('2012-10-17'), Statement: z.array(Statement).min(1) });
type Scp = z.infer<typeof Scp>;
const scp = (name: string): Scp => Scp.parse(JSON.parse(read(name)));

// ------------------------------------------------------------------ a small evaluator for Deny SCPs
type Request = { action: string; resource: string; context: Record<string, string> };
const glob = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);
const MATCHERS: Record<string, (want: string, have: string) => boolean> = {
  StringEquals: (w, h) => w === h,
  StringLike: glob,
  ArnLike: glob,
  NumericLessThan: (w, h) => Number(h) < Number(w),
  NumericGreaterThan: (w, h) => Number(h) > Number(w),
};
/** IAM semantics: a key missing from the request makes a positive operator false and a Not operator true */
function conditionHolds(
  operator: string,
  key: string,
  values: string[],
  ctx: Record<string, string>,
): boolean {
  const negated = operator.includes('Not');
  const base = operator.replace('Not', '');
  const match = MATCHERS[base];
  if (!match) throw new Error(`the evaluator does not know ${operator}`);
  const have = ctx[key];
  if (have === undefined) return negated;
  const any = values.some((want) => match(want, have));
  return negated ? !any : any;
}
const applies = (s: Statement, r: Request): boolean =>
  s.Action.some((a) => glob(a, r.action)) &&
  s.Resource.some((p) => glob(p, r.resource)) &&
  Object.entries(s.Condition ?? {}).every(([op, keys]) =>
    Object.entries(keys).every(([key, values]) => conditionHolds(op, key, values, r.context)),
  );
const deniedBy = (policies: Scp[], r: Request): string[] =>
  policies.flatMap((p) => p.Statement.filter((s) => s.Effect === 'Deny' && applies(s, r)).map((s) => s.Sid));

const INSTANCE = 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0';
const DEVELOPER = 'arn:aws:iam::123456789012:role/Developer';
const BREAK_GLASS = 'arn:aws:iam::123456789012:role/BreakGlassAdmin';
const BOT_CHANGE = 'arn:aws:iam::123456789012:role/ImdsBotChange';

describe('SCP examples', () => {
  it('ships the three guardrails', () => {
    expect(scpFiles.sort()).toEqual([
      'scp-protect-imds-options.json',
      'scp-require-imdsv2-at-launch.json',
      'scp-require-imdsv2-role-credentials.json',
    ]);
  });

  it.each(scpFiles)(
    '%s follows the IAM grammar: Deny only, unique Sids, known operators and keys',
    (name) => {
      const policy = scp(name);
      const sids = policy.Statement.map((s) => s.Sid);
      const conditions = policy.Statement.flatMap((s) => Object.values(s.Condition ?? {}));

      expect(new Set(sids).size).toBe(sids.length);
      expect(policy.Statement.map((s) => s.Effect)).toEqual(policy.Statement.map(() => 'Deny'));
      for (const keys of conditions)
        for (const [key, values] of Object.entries(keys)) {
          expect(Object.keys(KEYS)).toContain(key);
          for (const v of values) expect(v).toMatch(KEYS[key] ?? /^$/);
        }
    },
  );

  it.each(scpFiles)('%s fits the 5,120-character SCP quota as written', (name) => {
    expect(read(name).length).toBeLessThanOrEqual(5120);
  });

  const all = scpFiles.map(scp);
  const launch = (principal: string, tokens: string | undefined, hops: string) => ({
    action: 'ec2:RunInstances',
    resource: INSTANCE,
    context: {
      'aws:PrincipalArn': principal,
      'ec2:MetadataHttpPutResponseHopLimit': hops,
      ...(tokens ? { 'ec2:MetadataHttpTokens': tokens } : {}),
    },
  });
  const modify = (principal: string, tokens: string | undefined) => ({
    action: 'ec2:ModifyInstanceMetadataOptions',
    resource: INSTANCE,
    context: { 'aws:PrincipalArn': principal, ...(tokens ? { 'ec2:Attribute/HttpTokens': tokens } : {}) },
  });

  it.each([
    ['a launch with tokens required, hop limit 2', launch(DEVELOPER, 'required', '2'), []],
    ['a launch with tokens optional', launch(DEVELOPER, 'optional', '1'), ['RequireImdsV2AtLaunch']],
    ['a launch with hop limit 3', launch(DEVELOPER, 'required', '3'), ['MaxImdsHopLimitAtLaunch']],
    ['a break-glass launch with tokens optional', launch(BREAK_GLASS, 'optional', '1'), []],
    ['anyone requiring IMDSv2 on an instance (imds-bot enforcing)', modify(DEVELOPER, 'required'), []],
    [
      'a developer setting tokens back to optional',
      modify(DEVELOPER, 'optional'),
      ['OnlyBreakGlassLoosensImds'],
    ],
    [
      'a developer changing options without HttpTokens',
      modify(DEVELOPER, undefined),
      ['OnlyBreakGlassLoosensImds'],
    ],
    ['a break-glass role setting tokens to optional', modify(BREAK_GLASS, 'optional'), []],
    ['imds-bot’s change role rolling back (approved in Slack)', modify(BOT_CHANGE, 'optional'), []],
  ] as const)('%s: denied by %j', (_what, request, sids) => {
    expect(deniedBy(all, request)).toEqual(sids);
  });

  it.each([
    [
      'EC2 role credentials fetched with IMDSv1',
      { 'ec2:RoleDelivery': '1.0' },
      ['RequireAllEc2RolesToUseV2'],
    ],
    ['EC2 role credentials fetched with IMDSv2', { 'ec2:RoleDelivery': '2.0' }, []],
    ['credentials that are not an EC2 role’s (no ec2:RoleDelivery)', {}, []],
  ] as const)('any call signed with %s: denied by %j', (_what, context, sids) => {
    const request = { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/key', context };

    expect(deniedBy(all, request)).toEqual(sids);
  });

  it('every statement that can block a fix names the break-glass roles in an aws:PrincipalArn exception', () => {
    const blocking = all
      .flatMap((p) => p.Statement)
      .filter((s) => s.Action.some((a) => a.startsWith('ec2:')));

    expect(blocking.map((s) => s.Sid)).toEqual([
      'OnlyBreakGlassLoosensImds',
      'RequireImdsV2AtLaunch',
      'MaxImdsHopLimitAtLaunch',
    ]);
    for (const s of blocking)
      expect(s.Condition?.ArnNotLike?.['aws:PrincipalArn']).toContain('arn:aws:iam::*:role/BreakGlass*');
  });
});

// ------------------------------------------------------------------------- declarative policies
const Assign = <T extends z.ZodType>(value: T) =>
  z.strictObject({
    '@@assign': value,
    '@@operators_allowed_for_child_policies': z
      .array(z.enum(['@@all', '@@assign', '@@append', '@@remove', '@@none']))
      .optional(),
  });
const Choice = z.enum(['no_preference', 'enabled', 'disabled']);
const Declarative = z.strictObject({
  ec2_attributes: z.strictObject({
    instance_metadata_defaults: z.strictObject({
      http_tokens: Assign(z.enum(['no_preference', 'required', 'optional'])),
      http_put_response_hop_limit: Assign(
        z
          .string()
          .regex(/^-?\d+$/)
          .refine((v) => Number(v) === -1 || (Number(v) >= 1 && Number(v) <= 64), '-1 or 1 to 64'),
      ).optional(),
      http_endpoint: Assign(Choice).optional(),
      instance_metadata_tags: Assign(Choice).optional(),
    }),
    exception_message: Assign(z.string().min(1).max(1024)).optional(),
  }),
});
const declarative = (name: string) => Declarative.parse(JSON.parse(read(name))).ec2_attributes;

describe('EC2 declarative policy examples', () => {
  it('ships the organization default and its exception', () => {
    expect(declarativeFiles.sort()).toEqual([
      'declarative-ec2-imds-defaults.json',
      'declarative-ec2-imds-exception.json',
    ]);
  });

  it('the root policy requires IMDSv2 with hop limit 2 and says where to ask for an exception', () => {
    const root = declarative('declarative-ec2-imds-defaults.json');
    const imds = root.instance_metadata_defaults;

    expect(imds.http_tokens['@@assign']).toBe('required');
    expect(imds.http_put_response_hop_limit?.['@@assign']).toBe('2');
    expect(imds.http_endpoint?.['@@assign']).toBe('enabled');
    expect(root.exception_message?.['@@assign']).toMatch(/exception/i);
  });

  it('children may override http_tokens only (the exception), every other attribute is locked', () => {
    const imds = declarative('declarative-ec2-imds-defaults.json').instance_metadata_defaults;

    expect(imds.http_tokens['@@operators_allowed_for_child_policies']).toEqual(['@@assign']);
    for (const attr of [imds.http_put_response_hop_limit, imds.http_endpoint, imds.instance_metadata_tags])
      expect(attr?.['@@operators_allowed_for_child_policies']).toEqual(['@@none']);
  });

  it('the exception policy only uses what the root lets children do', () => {
    const exception = declarative('declarative-ec2-imds-exception.json').instance_metadata_defaults;

    expect(exception).toEqual({ http_tokens: { '@@assign': 'no_preference' } });
  });
});

// ------------------------------------------------- what the bot's own guardrails reader makes of them
describe('the bot’s guardrails analysis of the examples (what /imds guardrails will show)', () => {
  const protections = (name: string) => {
    const analysis = analyseScp({ id: `p-${name}`, name }, read(name));
    if (!analysis.ok) throw new Error(analysis.error);
    return analysis.protections.map((p) => ({
      kind: p.kind,
      sid: p.sid,
      partial: p.partial,
      exceptions: p.exceptions,
    }));
  };

  it.each([
    ['scp-require-imdsv2-at-launch.json', ['launch-requires-tokens', 'hop-limit-max']],
    ['scp-protect-imds-options.json', ['modify-restricted']],
    ['scp-require-imdsv2-role-credentials.json', ['role-delivery-v2']],
  ])('%s reads as %j, protecting every ordinary request', (name, kinds) => {
    const found = protections(name);

    expect(found.map((p) => p.kind)).toEqual(kinds);
    expect(found.map((p) => p.partial)).toEqual(kinds.map(() => null));
  });

  it('the break-glass exception is what the analysis reports as spared', () => {
    const [modify] = protections('scp-protect-imds-options.json');

    expect(modify?.exceptions.join(' ')).toContain('BreakGlass');
  });

  it('root default plus the exception OU: required everywhere, no_preference in the exception OU', () => {
    const node = (name: string) => {
      const parsed = parseDeclarativePolicy(read(name));
      if (!parsed.ok || !parsed.node) throw new Error(`${name} has no instance_metadata_defaults`);
      return parsed.node;
    };
    const root = [{ policyId: 'p-root', node: node('declarative-ec2-imds-defaults.json') }];
    const exceptionOu = [{ policyId: 'p-exception', node: node('declarative-ec2-imds-exception.json') }];

    expect(effectiveDefaults([root])?.values).toEqual({
      http_tokens: 'required',
      http_put_response_hop_limit: '2',
      http_endpoint: 'enabled',
      instance_metadata_tags: 'no_preference',
    });
    expect(effectiveDefaults([root, exceptionOu])?.values.http_tokens).toBe('no_preference');
    expect(effectiveDefaults([root, exceptionOu])?.from.http_put_response_hop_limit).toBe('p-root');
  });
});
