import { readFileSync } from 'node:fs';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { makeWorkflow } from './harness.js';
import { C, SECURITY_GROUP, U } from './slack-fixtures.js';

/**
 * An organization with guardrails in part: OU prod has the shipped SCP requiring IMDSv2 at launch
 * and the shipped declarative default (its account default is then managed by the policy); OU
 * sandbox has none. The sandbox account has a launch template that leaves HttpTokens out, launched
 * by an ASG from an AMI without ImdsSupport v2.0, and a template whose default is optional while
 * its $Latest (which its ASG launches) requires tokens.
 */

export const PROD = '222222222222';
export const SANDBOX = '333333333333';
export const REGION = 'eu-west-1';
export const LEGACY_AMI = 'ami-0000000000000aaa1';
export const V2_AMI = 'ami-0000000000000bbb2';
export const BATCH_LT = 'lt-0000000000000ba71';
export const WEB_LT = 'lt-00000000000000eb1';

const policy = (file: string) =>
  readFileSync(new URL(`../../deploy/policies/${file}`, import.meta.url), 'utf8');

export function guardrailsFleet() {
  const fleet = new Fleet({ seed: 12 });
  const prod = fleet.organization.addOrganizationalUnit({ name: 'prod' });
  const sandbox = fleet.organization.addOrganizationalUnit({ name: 'sandbox' });
  fleet.addAccount({ id: PROD, name: 'payments', parentId: prod, regions: [REGION] });
  fleet.addAccount({ id: SANDBOX, name: 'play <b>&', parentId: sandbox, regions: [REGION] });
  fleet.organization.addPolicy({
    name: 'require-imdsv2-at-launch',
    type: 'SERVICE_CONTROL_POLICY',
    content: policy('scp-require-imdsv2-at-launch.json'),
    targets: [prod],
  });
  fleet.organization.addPolicy({
    name: 'imds-defaults',
    type: 'DECLARATIVE_POLICY_EC2',
    content: policy('declarative-ec2-imds-defaults.json'),
    targets: [prod],
  });
  fleet.setAccountDefault(PROD, REGION, { httpTokens: 'required', managedBy: 'declarative-policy' });
  for (const accountId of [PROD, SANDBOX]) {
    fleet.images.add({ imageId: LEGACY_AMI, region: REGION, ownerId: accountId, name: 'legacy-<al2>' });
    fleet.images.add({
      imageId: V2_AMI,
      region: REGION,
      ownerId: accountId,
      name: 'al2023',
      imdsSupport: 'v2.0',
    });
  }
  fleet.addLaunchTemplate({
    accountId: SANDBOX,
    region: REGION,
    launchTemplateId: BATCH_LT,
    name: 'batch',
    versions: [{ imageId: LEGACY_AMI }],
  });
  fleet.addLaunchTemplate({
    accountId: SANDBOX,
    region: REGION,
    launchTemplateId: WEB_LT,
    name: 'web',
    versions: [
      { imageId: LEGACY_AMI, metadataOptions: { httpTokens: 'optional' } },
      { imageId: V2_AMI, metadataOptions: { httpTokens: 'required' } },
    ],
    defaultVersion: 1,
  });
  fleet.addAutoScalingGroup({
    accountId: SANDBOX,
    region: REGION,
    name: 'batch-asg',
    launchTemplate: { id: BATCH_LT, version: '$Default' },
  });
  fleet.addAutoScalingGroup({
    accountId: SANDBOX,
    region: REGION,
    name: 'web-asg',
    launchTemplate: { id: WEB_LT, version: '$Latest' },
  });
  const old = new Date(Date.now() - 40 * 86_400_000);
  const laggards = [0, 1].map(() =>
    fleet.addInstance({
      accountId: SANDBOX,
      region: REGION,
      imageId: LEGACY_AMI,
      asg: 'batch-asg',
      launchTime: old,
      tags: { Name: 'batch' },
    }),
  );
  const web = fleet.addInstance({
    accountId: SANDBOX,
    region: REGION,
    imageId: V2_AMI,
    asg: 'web-asg',
    launchTime: old,
    metadata: { httpTokens: 'required' },
  });
  const prodOne = fleet.addInstance({
    accountId: PROD,
    region: REGION,
    imageId: V2_AMI,
    launchTime: old,
    metadata: { httpTokens: 'required' },
  });
  return { fleet, prod, sandbox, laggards: laggards.map((l) => l.instanceId), web: web.instanceId, prodOne };
}

/** The workflow the Slack guardrails tests scan the organization with: security and two approvers. */
export const guardrailsWorkflow = () =>
  makeWorkflow(
    { accounts: { organization: { roleName: 'ImdsBotScanner' } }, regions: [REGION] },
    {
      slack: { securityChannel: C.security },
      approvals: {
        approvers: { users: [U.approver, U.approver2] },
        security: { groups: [SECURITY_GROUP], channels: [] },
      },
    },
  );
