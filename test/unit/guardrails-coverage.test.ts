import { describe, expect, it } from 'vitest';
import { type OrgPolicy, organizationCoverage } from '../../src/domain/guardrails/coverage.js';
import { effectiveDefaults, parseDeclarativePolicy } from '../../src/domain/guardrails/declarative.js';

const scp = (id: string, targets: string[], ...statements: object[]): OrgPolicy => ({
  id,
  name: `name-${id}`,
  type: 'SERVICE_CONTROL_POLICY',
  content: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
  targets,
});
const declarative = (id: string, targets: string[], imds: object, extra: object = {}): OrgPolicy => ({
  id,
  name: `name-${id}`,
  type: 'DECLARATIVE_POLICY_EC2',
  content: JSON.stringify({ ec2_attributes: { instance_metadata_defaults: imds, ...extra } }),
  targets,
});

const REQUIRE = {
  Effect: 'Deny',
  Action: 'ec2:RunInstances',
  Resource: 'arn:aws:ec2:*:*:instance/*',
  Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
};
const MODIFY = {
  Effect: 'Deny',
  Action: 'ec2:ModifyInstanceMetadataOptions',
  Resource: '*',
  Condition: { StringNotLike: { 'aws:PrincipalARN': 'arn:aws:iam::*:role/break-glass' } },
};

// r-root ─┬─ ou-prod ── ou-prod-eu ── 111111111111
//         ├─ ou-dev ── 222222222222
//         └─ 333333333333 (directly under the root)
const UNITS = [
  { id: 'r-root', name: 'Root', parentId: null },
  { id: 'ou-prod', name: 'Prod', parentId: 'r-root' },
  { id: 'ou-prod-eu', name: 'Prod EU', parentId: 'ou-prod' },
  { id: 'ou-dev', name: 'Dev', parentId: 'r-root' },
];
const ACCOUNTS = [
  { id: '111111111111', name: 'prod-eu', parentId: 'ou-prod-eu' },
  { id: '222222222222', name: 'dev', parentId: 'ou-dev' },
  { id: '333333333333', name: 'loose', parentId: 'r-root' },
];

describe('organizationCoverage', () => {
  it('an SCP on an OU protects every account below it, not its siblings', () => {
    const cov = organizationCoverage(UNITS, ACCOUNTS, [scp('p-req', ['ou-prod'], REQUIRE)]);
    const byId = Object.fromEntries(cov.accounts.map((a) => [a.accountId, a]));
    expect(byId['111111111111']?.path).toEqual(['r-root', 'ou-prod', 'ou-prod-eu']);
    expect(byId['111111111111']?.protections.map((p) => [p.kind, p.attachedTo])).toEqual([
      ['launch-requires-tokens', 'ou-prod'],
    ]);
    expect(byId['111111111111']?.missing).toEqual(['modify-restricted', 'role-delivery-v2', 'hop-limit-max']);
    expect(byId['222222222222']?.protections).toEqual([]);
    expect(cov.unprotectedOus.map((o) => o.id)).toEqual(['r-root', 'ou-dev']);
  });

  it('root and account attachments add up; the break-glass exception is carried', () => {
    const cov = organizationCoverage(UNITS, ACCOUNTS, [
      scp('p-mod', ['r-root'], MODIFY),
      scp('p-req', ['333333333333'], REQUIRE),
    ]);
    const loose = cov.accounts.find((a) => a.accountId === '333333333333');
    expect(loose?.protections.map((p) => [p.kind, p.attachedTo, p.exceptions])).toEqual([
      ['modify-restricted', 'r-root', ['aws:PrincipalARN StringNotLike arn:aws:iam::*:role/break-glass']],
      ['launch-requires-tokens', '333333333333', []],
    ]);
    expect(cov.unprotectedOus).toEqual([]);
  });

  it('a partial statement is listed apart and does not count as protection', () => {
    const regional = { ...REQUIRE, Resource: 'arn:aws:ec2:us-east-1:*:instance/*' };
    const cov = organizationCoverage(UNITS, ACCOUNTS, [scp('p-r', ['ou-dev'], regional)]);
    const dev = cov.accounts.find((a) => a.accountId === '222222222222');
    expect(dev?.protections).toEqual([]);
    expect(dev?.partial.map((p) => p.partial)).toEqual(['only resources arn:aws:ec2:us-east-1:*:instance/*']);
    expect(cov.unprotectedOus.map((o) => o.id)).toContain('ou-dev');
  });

  it('a declarative default of required counts for the OU, and an unreadable policy is reported', () => {
    const cov = organizationCoverage(UNITS, ACCOUNTS, [
      declarative('p-d', ['ou-dev'], { http_tokens: { '@@assign': 'required' } }),
      { ...scp('p-bad', ['r-root']), content: 'not json' },
    ]);
    const dev = cov.accounts.find((a) => a.accountId === '222222222222');
    expect(dev?.declarativeRequiresTokens).toBe(true);
    expect(dev?.declarative?.from).toEqual({ http_tokens: 'p-d' });
    expect(cov.unprotectedOus.map((o) => o.id)).toEqual(['r-root', 'ou-prod', 'ou-prod-eu']);
    expect(cov.errors).toEqual([
      { policyId: 'p-bad', policyName: 'name-p-bad', error: 'policy content is not JSON' },
    ]);
  });

  it('an account whose parent is unknown still gets its own attachments', () => {
    const cov = organizationCoverage(
      UNITS,
      [{ id: '444444444444', name: 'x', parentId: 'ou-gone' }],
      [scp('p-req', ['444444444444'], REQUIRE)],
    );
    expect(cov.accounts[0]?.path).toEqual([]);
    expect(cov.accounts[0]?.protections.map((p) => p.kind)).toEqual(['launch-requires-tokens']);
  });
});

describe('declarative instance_metadata_defaults', () => {
  it('parses the Organizations User Guide example, numbers and strings alike', () => {
    const content = JSON.stringify({
      ec2_attributes: {
        instance_metadata_defaults: {
          http_tokens: { '@@assign': 'required' },
          http_put_response_hop_limit: { '@@assign': 2 },
          http_endpoint: { '@@assign': 'enabled' },
          instance_metadata_tags: { '@@assign': 'no_preference' },
        },
        exception_message: { '@@assign': 'Launch with IMDSv2: see the wiki' },
      },
    });
    expect(parseDeclarativePolicy(content)).toEqual({
      ok: true,
      node: {
        assigns: {
          http_tokens: 'required',
          http_put_response_hop_limit: '2',
          http_endpoint: 'enabled',
          instance_metadata_tags: 'no_preference',
        },
        locks: [],
        exceptionMessage: 'Launch with IMDSv2: see the wiki',
      },
    });
  });

  it('a policy that sets other EC2 attributes only has no IMDS node', () => {
    const content = JSON.stringify({
      ec2_attributes: { serial_console_access: { status: { '@@assign': 'disabled' } } },
    });
    expect(parseDeclarativePolicy(content)).toEqual({ ok: true, node: null });
  });

  it('a child assignment replaces the parent one unless the parent locked it', () => {
    const parent = (lock: boolean) => ({
      policyId: 'p-root',
      node: {
        assigns: { http_tokens: 'required' },
        locks: lock ? (['http_tokens'] as const).slice() : [],
        exceptionMessage: null,
      },
    });
    const child = {
      policyId: 'p-ou',
      node: { assigns: { http_tokens: 'optional' }, locks: [], exceptionMessage: null },
    };
    expect(effectiveDefaults([[parent(false)], [child]])?.values).toEqual({ http_tokens: 'optional' });
    expect(effectiveDefaults([[parent(true)], [child]])?.from).toEqual({ http_tokens: 'p-root' });
  });

  it('@@operators_allowed_for_child_policies @@none above a field locks it', () => {
    const content = JSON.stringify({
      ec2_attributes: {
        '@@operators_allowed_for_child_policies': ['@@none'],
        instance_metadata_defaults: { http_tokens: { '@@assign': 'required' } },
      },
    });
    const parsed = parseDeclarativePolicy(content);
    expect(parsed.ok && parsed.node?.locks).toEqual([
      'http_tokens',
      'http_put_response_hop_limit',
      'http_endpoint',
      'instance_metadata_tags',
    ]);
  });
});
