import type { Instance as AwsInstance } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { Instance, MetadataOptions } from '../../domain/findings/model.js';
import { tagRecord } from './tags.js';

/** An SDK instance's MetadataOptions as we rely on them; absent fields take EC2's defaults. */
export const AwsMetadataOptions = z.object({
  HttpTokens: z.enum(['optional', 'required']),
  HttpEndpoint: z.enum(['enabled', 'disabled']).default('enabled'),
  HttpPutResponseHopLimit: z.number().int().min(1).max(64).default(1),
  State: z.enum(['pending', 'applied']).default('applied'),
  InstanceMetadataTags: z.enum(['enabled', 'disabled']).default('disabled'),
  HttpProtocolIpv6: z.enum(['enabled', 'disabled']).default('disabled'),
});

/** The one mapping from the SDK's MetadataOptions to ours (scan and remediation alike). */
export const metadataOf = (m: z.infer<typeof AwsMetadataOptions>): MetadataOptions => ({
  httpTokens: m.HttpTokens,
  httpEndpoint: m.HttpEndpoint,
  hopLimit: m.HttpPutResponseHopLimit,
  state: m.State,
  instanceMetadataTags: m.InstanceMetadataTags,
  httpProtocolIpv6: m.HttpProtocolIpv6,
});

/** The fields of an SDK instance we rely on, checked at the boundary. */
const AwsInstanceFields = z.object({
  InstanceId: z.string(),
  State: z.object({ Name: z.enum(['pending', 'running', 'stopping', 'stopped']) }),
  LaunchTime: z.date().optional(),
  MetadataOptions: AwsMetadataOptions,
});

const EKS_TAGS = [
  'eks:cluster-name',
  'eks:nodegroup-name',
  'alpha.eksctl.io/cluster-name',
  'karpenter.sh/nodepool',
];
const ECS_TAGS = ['AmazonECSManaged', 'aws:ecs:clusterName', 'aws:ecs:serviceName'];

export function containerHostOf(tags: Record<string, string>): 'eks' | 'ecs' | null {
  const keys = Object.keys(tags);
  if (keys.some((k) => EKS_TAGS.includes(k) || k.startsWith('kubernetes.io/cluster/'))) return 'eks';
  if (keys.some((k) => ECS_TAGS.includes(k))) return 'ecs';
  return null;
}

export type MapResult = { ok: true; instance: Instance } | { ok: false; instanceId: string; problem: string };

/** Maps one DescribeInstances item to our Instance, or says which field did not fit. */
export function mapInstance(raw: AwsInstance, accountId: string, region: string): MapResult {
  const parsed = AwsInstanceFields.safeParse(raw);
  if (!parsed.success) {
    const problem = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return { ok: false, instanceId: raw.InstanceId ?? '(no id)', problem };
  }
  const r = parsed.data;
  const tags = tagRecord(raw.Tags);
  const ltId = tags['aws:ec2launchtemplate:id'];
  const m = r.MetadataOptions;
  return {
    ok: true,
    instance: {
      instanceId: r.InstanceId,
      accountId,
      region,
      name: tags.Name ?? null,
      state: r.State.Name,
      launchTime: (r.LaunchTime ?? new Date(0)).toISOString(),
      tags,
      metadata: metadataOf(m),
      iamInstanceProfileArn: raw.IamInstanceProfile?.Arn ?? null,
      publicIp: raw.PublicIpAddress ?? null,
      asg: tags['aws:autoscaling:groupName'] ?? null,
      launchTemplate: ltId
        ? { id: ltId, version: tags['aws:ec2launchtemplate:version'] ?? '$Default' }
        : null,
      containerHost: containerHostOf(tags),
      ...(raw.ImageId ? { imageId: raw.ImageId } : {}),
    },
  };
}
