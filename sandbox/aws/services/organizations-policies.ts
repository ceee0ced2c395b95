import { z } from 'zod';
import type { JsonAction, JsonCall } from '../context.js';
import type { PolicyRecord } from '../organization.js';
import { ApiError } from '../wire/errors.js';
import { pageOf } from '../wire/tokens.js';
import { arnOf, input, PAGING, ParentId, requireManagement, requireParent } from './organizations.js';

/**
 * Organizations policies and OUs, AWS JSON 1.1 (X-Amz-Target AWSOrganizationsV20161128.<Action>):
 * ListPolicies (Filter is required), DescribePolicy (Content is the JSON text), ListTargetsForPolicy,
 * ListOrganizationalUnitsForParent. Shapes and error codes as in the Organizations API Reference.
 */

const POLICY_TYPES = [
  'SERVICE_CONTROL_POLICY',
  'RESOURCE_CONTROL_POLICY',
  'DECLARATIVE_POLICY_EC2',
  'BACKUP_POLICY',
  'TAG_POLICY',
  'CHATBOT_POLICY',
  'AISERVICES_OPT_OUT_POLICY',
] as const;
const PolicyId = z.string().regex(/^p-[0-9a-zA-Z_]{8,128}$/);

function policyArn(call: JsonCall, p: PolicyRecord): string {
  const kind = p.type.toLowerCase();
  if (p.awsManaged) return `arn:aws:organizations::aws:policy/${kind}/${p.id}`;
  return `arn:aws:organizations::${call.fleet.hubAccountId}:policy/${call.fleet.organization.id}/${kind}/${p.id}`;
}

const summaryOf = (call: JsonCall, p: PolicyRecord) => ({
  Id: p.id,
  Arn: policyArn(call, p),
  Name: p.name,
  Description: p.description,
  Type: p.type,
  AwsManaged: p.awsManaged,
});

function policyOf(call: JsonCall, id: string): PolicyRecord {
  const p = call.fleet.organization.policy(id);
  if (!p)
    throw new ApiError(
      'PolicyNotFoundException',
      "We can't find a policy with the PolicyId that you specified.",
    );
  return p;
}

const listPolicies: JsonAction = (call) => {
  const p = input(z.object({ Filter: z.enum(POLICY_TYPES), ...PAGING }), call);
  requireManagement(call);
  const all = POLICY_TYPES.includes(p.Filter)
    ? call.fleet.organization.policies(p.Filter as PolicyRecord['type'])
    : [];
  const page = pageOf(
    all,
    p.NextToken,
    `ListPolicies:${p.Filter}`,
    p.MaxResults ?? 20,
    'InvalidInputException',
  );
  return {
    Policies: page.items.map((x) => summaryOf(call, x)),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

const describePolicy: JsonAction = (call) => {
  const p = input(z.object({ PolicyId }), call);
  requireManagement(call);
  const policy = policyOf(call, p.PolicyId);
  return { Policy: { PolicySummary: summaryOf(call, policy), Content: policy.content } };
};

function targetOf(call: JsonCall, id: string) {
  const org = call.fleet.organization;
  if (id === org.rootId) return { TargetId: id, Arn: arnOf(call, 'root', id), Name: 'Root', Type: 'ROOT' };
  const ou = org.ou(id);
  if (ou) return { TargetId: id, Arn: arnOf(call, 'ou', id), Name: ou.name, Type: 'ORGANIZATIONAL_UNIT' };
  const account = call.fleet.account(id);
  return { TargetId: id, Arn: arnOf(call, 'account', id), Name: account?.name ?? id, Type: 'ACCOUNT' };
}

const listTargetsForPolicy: JsonAction = (call) => {
  const p = input(z.object({ PolicyId, ...PAGING }), call);
  requireManagement(call);
  const policy = policyOf(call, p.PolicyId);
  const fingerprint = `ListTargetsForPolicy:${policy.id}`;
  const page = pageOf(policy.targets, p.NextToken, fingerprint, p.MaxResults ?? 20, 'InvalidInputException');
  return {
    Targets: page.items.map((id) => targetOf(call, id)),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

const listOrganizationalUnitsForParent: JsonAction = (call) => {
  const p = input(z.object({ ParentId, ...PAGING }), call);
  requireManagement(call);
  requireParent(call, p.ParentId);
  const ous = call.fleet.organization.childOus(p.ParentId);
  const fingerprint = `ListOrganizationalUnitsForParent:${p.ParentId}`;
  const page = pageOf(ous, p.NextToken, fingerprint, p.MaxResults ?? 20, 'InvalidInputException');
  return {
    OrganizationalUnits: page.items.map((o) => ({ Id: o.id, Arn: arnOf(call, 'ou', o.id), Name: o.name })),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

export const organizationsPolicyActions: Record<string, JsonAction> = {
  DescribePolicy: describePolicy,
  ListOrganizationalUnitsForParent: listOrganizationalUnitsForParent,
  ListPolicies: listPolicies,
  ListTargetsForPolicy: listTargetsForPolicy,
};
