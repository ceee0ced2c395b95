import type { Finding } from '../findings/model.js';
import { code, type Message, say } from '../message.js';
import { type FixAdvice, fixAdvice, type IacTool, iacToolsOf, type LaunchedAs } from './iac.js';

/**
 * The fix of one finding, with the reasons the bot picked it, for cards and `/imds status`. Pure.
 *
 * The rule (read from the instance's tags, which is all a scan knows of how it was launched):
 * - the tool: `aws:cloudformation:stack-name` (CloudFormation stamps it on what a stack launches,
 *   and CDK deploys through CloudFormation) → CloudFormation and CDK; a tag key naming Terraform,
 *   or a managed-by / provisioner / iac / created-by / tool tag whose value names it → Terraform;
 *   otherwise all three.
 * - the resource: an instance in an Auto Scaling group (`aws:autoscaling:groupName`) or launched
 *   from a launch template (`aws:ec2launchtemplate:id`) is fixed in the launch template; any other in
 *   its own instance resource.
 * - the hop limit: container hosts (EKS: `eks:cluster-name`, `eks:nodegroup-name`,
 *   `kubernetes.io/cluster/*`, eksctl and Karpenter tags; ECS: `AmazonECSManaged`, `aws:ecs:*`)
 *   need 2 so containers reach IMDSv2; others keep theirs.
 */

export interface FindingFix extends FixAdvice {
  /** why these tools: the tag that points at them, or that none does */
  toolBecause: Message;
  /** why this resource */
  resourceBecause: Message;
  /** why this hop limit (a container host), null when the instance keeps its own */
  hopBecause: Message | null;
}

export const launchedAsOf = (f: Finding): LaunchedAs => ({
  fromTemplate: f.launchTemplate !== null,
  asg: f.asg,
  containerHost: f.risk.containerHost,
  hopLimit: f.hopLimit,
  tags: f.tags,
});

const TERRAFORM = /terraform/i;
/** as iac.ts reads them: a key naming Terraform, or one of these keys with a value naming it */
const MANAGED_KEYS = /^(managed[-_ ]?by|provisioner|iac|created[-_ ]?by|tool)$/i;

function toolBecause(tags: Readonly<Record<string, string>>, tools: readonly IacTool[]): Message {
  if (tools.includes('cloudformation') && tools.length === 2)
    return say`tag ${code('aws:cloudformation:stack-name')}: launched by a CloudFormation stack (CDK deploys through one too)`;
  if (tools.length === 1) {
    const key =
      Object.entries(tags).find(
        ([k, v]) => TERRAFORM.test(k) || (MANAGED_KEYS.test(k) && TERRAFORM.test(v)),
      )?.[0] ?? '';
    return say`tag ${code(key)} names Terraform`;
  }
  return say`no tag names the tool that launched it: the change in each`;
}

function resourceBecause(f: Finding): Message {
  if (f.asg !== null)
    return say`in Auto Scaling group ${code(f.asg)}: the group launches from its launch template, so the fix goes there`;
  if (f.launchTemplate !== null)
    return say`launched from launch template ${code(f.launchTemplate.id)}: fix the template, and this instance`;
  return say`a stand-alone instance: fix its own resource`;
}

function hopBecause(f: Finding, hop: number): Message | null {
  const host = f.risk.containerHost;
  if (host === null) return null;
  return say`${host.toUpperCase()} container host (from its ${host === 'eks' ? 'EKS' : 'ECS'} tags): hop limit ${hop} so containers reach IMDSv2`;
}

export function findingFix(f: Finding): FindingFix {
  const launched = launchedAsOf(f);
  const advice = fixAdvice(launched);
  return {
    ...advice,
    toolBecause: toolBecause(f.tags, iacToolsOf(f.tags)),
    resourceBecause: resourceBecause(f),
    hopBecause: hopBecause(f, advice.hopLimit),
  };
}

/** The change as one line, for a digest row: the same settings as the snippet, without the wrapper. */
export function inlineSnippet(tool: IacTool, hop: number): string {
  switch (tool) {
    case 'terraform':
      return `metadata_options { http_tokens = "required", http_put_response_hop_limit = ${hop} }`;
    case 'cloudformation':
      return `MetadataOptions: { HttpTokens: required, HttpPutResponseHopLimit: ${hop} }`;
    case 'cdk':
      return hop > 1 ? `requireImdsv2: true, httpPutResponseHopLimit: ${hop}` : 'requireImdsv2: true';
  }
}

export const TOOL_LABEL: Record<IacTool, string> = {
  terraform: 'Terraform',
  cloudformation: 'CloudFormation',
  cdk: 'AWS CDK',
};
