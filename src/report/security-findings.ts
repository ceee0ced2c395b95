import { isLaggard } from '../domain/findings/classify.js';
import type { Finding } from '../domain/findings/model.js';

/**
 * What the two security-finding formats (OCSF, ASFF) share: one finding per instance, its
 * severity, its status and the words that explain it. imds-bot's finding is the same check as
 * Security Hub's EC2.8 control ("EC2 instances should use IMDSv2"), with readiness, owner and
 * MetadataNoToken use added.
 */

export const CONTROL = {
  id: 'EC2.8',
  standard: 'AWS Foundational Security Best Practices v1.0.0',
  title: 'EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)',
  doc: 'https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-8',
  howTo: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-transition-to-version-2.html',
} as const;

export type Severity = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH';

/**
 * An instance that requires tokens (or has IMDS off) is informational. A laggard with no role has
 * no credentials to leak: low. One with a role: medium, high when it is reachable from the
 * internet or in production (the Capital One shape: SSRF on a public host with a role).
 */
export function severityOf(f: Finding): Severity {
  if (!isLaggard(f)) return 'INFORMATIONAL';
  if (!f.risk.iamRole) return 'LOW';
  return f.risk.publicIp || f.risk.prod ? 'HIGH' : 'MEDIUM';
}

/** A stable id per instance and check: re-exports update the same finding, never add one. */
export const findingUid = (f: Pick<Finding, 'accountId' | 'region' | 'instanceId'>): string =>
  `imds-bot/${f.accountId}/${f.region}/${f.instanceId}/imdsv1`;

/** aws, aws-cn or aws-us-gov, from the region's name. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export const instanceArn = (f: Pick<Finding, 'accountId' | 'region' | 'instanceId'>): string =>
  `arn:${partitionOf(f.region)}:ec2:${f.region}:${f.accountId}:instance/${f.instanceId}`;

const READINESS_WORDS: Record<Finding['readiness'], string> = {
  compliant: 'requires IMDSv2 session tokens',
  'imds-disabled': 'has the instance metadata service turned off',
  ready: 'accepts IMDSv1 and made no IMDSv1 call in the usage window: ready to enforce',
  'in-use': 'accepts IMDSv1 and software on it still makes IMDSv1 calls: fix the software first',
  unknown: 'accepts IMDSv1; whether it still makes IMDSv1 calls is unknown',
};

export function titleOf(f: Finding): string {
  return isLaggard(f)
    ? `EC2 instance ${f.instanceId} accepts IMDSv1`
    : `EC2 instance ${f.instanceId} uses IMDSv2`;
}

/** Plain text (the formats are JSON; consumers escape for their own display). */
export function descriptionOf(f: Finding): string {
  const parts = [`Instance ${f.instanceId}${f.name ? ` (${f.name})` : ''} ${READINESS_WORDS[f.readiness]}.`];
  if (f.usage && f.usage.noTokenCalls > 0)
    parts.push(
      `MetadataNoToken: ${f.usage.noTokenCalls} IMDSv1 calls, last ${f.usage.lastSeen ?? 'unknown'}.`,
    );
  if (f.readinessReason) parts.push(f.readinessReason);
  if (f.owner) parts.push(`Owner: ${f.owner}.`);
  if (f.templateRisk === 'asg-unfixed-template')
    parts.push(
      'Its Auto Scaling group launches from a template that allows IMDSv1: replacements come back with it.',
    );
  return parts.join(' ');
}

export function remediationOf(f: Finding): string {
  if (!isLaggard(f)) return 'Nothing to do.';
  if (f.readiness === 'in-use')
    return 'Update the software that makes IMDSv1 calls (AWS SDKs and CLI have spoken IMDSv2 for years), then set HttpTokens to required (imds-bot: Enforce).';
  return 'Set HttpTokens to required (ModifyInstanceMetadataOptions; imds-bot: Enforce), and fix the launch template or account default it came from.';
}

/** Cuts `s` to `max` characters, ending with … when cut. */
export const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
