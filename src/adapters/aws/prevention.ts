import { type AutoScalingClient, paginateDescribeAutoScalingGroups } from '@aws-sdk/client-auto-scaling';
import {
  type EC2Client,
  type LaunchTemplateVersion,
  paginateDescribeLaunchTemplateVersions,
} from '@aws-sdk/client-ec2';
import { resolveTemplateVersion } from '../../domain/findings/classify.js';
import { type GroupManager, managerOf } from '../../domain/findings/group-manager.js';
import type {
  AccountDefault,
  AutoScalingGroup,
  HttpTokens,
  LaunchTemplate,
  Scope,
} from '../../domain/findings/model.js';
import { fastPages, getInstanceMetadataDefaultsCommand } from './fast-reads.js';
import { tagRecord } from './tags.js';

/**
 * What keeps IMDSv1 coming back: launch templates, the Auto Scaling groups that launch them,
 * and the account's default for new instances.
 */

const tokensOf = (v: LaunchTemplateVersion): HttpTokens | null => {
  const t = v.LaunchTemplateData?.MetadataOptions?.HttpTokens;
  return t === 'optional' || t === 'required' ? t : null;
};

/**
 * Every launch template with its default version's MetadataOptions, in one paginated call:
 * without a template id, DescribeLaunchTemplateVersions with `$Default` and `$Latest` answers
 * those two versions of every template of the account x region. The default version is the one
 * flagged DefaultVersion (else the lower number: the latest is the highest), the latest the
 * highest number seen, so DescribeLaunchTemplates is not needed.
 */
export async function readLaunchTemplates(ec2: EC2Client, scope: Scope): Promise<LaunchTemplate[]> {
  const byId = new Map<
    string,
    {
      name: string;
      default: LaunchTemplateVersion | null;
      latest: number;
      latestVersion: LaunchTemplateVersion;
    }
  >();
  const lowest = new Map<string, LaunchTemplateVersion>();
  const input = { Versions: ['$Default', '$Latest'] };
  const pages = { client: ec2, pageSize: 200, withCommand: fastPages('DescribeLaunchTemplateVersions') };
  for await (const page of paginateDescribeLaunchTemplateVersions(pages, input)) {
    for (const v of page.LaunchTemplateVersions ?? []) {
      const id = v.LaunchTemplateId;
      if (!id) continue;
      const number = v.VersionNumber ?? 1;
      const t = byId.get(id) ?? {
        name: v.LaunchTemplateName ?? id,
        default: null,
        latest: number,
        latestVersion: v,
      };
      if (number >= t.latest) t.latestVersion = v;
      t.latest = Math.max(t.latest, number);
      if (v.DefaultVersion === true) t.default = v;
      const low = lowest.get(id);
      if (!low || number < (low.VersionNumber ?? 1)) lowest.set(id, v);
      byId.set(id, t);
    }
  }
  return [...byId].map(([id, t]) => {
    const v = t.default ?? lowest.get(id) ?? null;
    const mo = v?.LaunchTemplateData?.MetadataOptions;
    return {
      accountId: scope.accountId,
      region: scope.region,
      launchTemplateId: id,
      name: t.name,
      defaultVersion: v?.VersionNumber ?? 1,
      latestVersion: t.latest,
      httpTokens: v ? tokensOf(v) : null,
      httpEndpoint:
        mo?.HttpEndpoint === 'enabled' || mo?.HttpEndpoint === 'disabled' ? mo.HttpEndpoint : null,
      hopLimit: mo?.HttpPutResponseHopLimit ?? null,
      imageId: v?.LaunchTemplateData?.ImageId ?? null,
      ...(t.latest !== (v?.VersionNumber ?? 1)
        ? {
            latest: {
              httpTokens: tokensOf(t.latestVersion),
              imageId: t.latestVersion.LaunchTemplateData?.ImageId ?? null,
            },
          }
        : {}),
    };
  });
}

interface RawGroup {
  name: string;
  ref: { id: string | undefined; name: string | undefined; version: string } | null;
  manager: GroupManager;
}

async function listGroups(asg: AutoScalingClient): Promise<RawGroup[]> {
  const groups: RawGroup[] = [];
  const pages = { client: asg, pageSize: 100, withCommand: fastPages('DescribeAutoScalingGroups') };
  for await (const page of paginateDescribeAutoScalingGroups(pages, {})) {
    for (const g of page.AutoScalingGroups ?? []) {
      const spec = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
      groups.push({
        name: g.AutoScalingGroupName ?? '(unnamed)',
        ref: spec
          ? { id: spec.LaunchTemplateId, name: spec.LaunchTemplateName, version: spec.Version ?? '$Default' }
          : null,
        manager: managerOf(tagRecord(g.Tags)),
      });
    }
  }
  return groups;
}

/**
 * Auto Scaling groups with the HttpTokens of the template version each one launches. Versions
 * other than a template's default are read with one extra call per template, only when needed.
 */
export async function readAutoScalingGroups(
  asg: AutoScalingClient,
  ec2: EC2Client,
  scope: Scope,
  templates: LaunchTemplate[],
): Promise<AutoScalingGroup[]> {
  const groups = await listGroups(asg);
  const byId = new Map(templates.map((t) => [t.launchTemplateId, t]));
  const byName = new Map(templates.map((t) => [t.name, t]));
  const resolved = groups.map((g) => {
    const t = g.ref
      ? (g.ref.id && byId.get(g.ref.id)) || (g.ref.name && byName.get(g.ref.name)) || null
      : null;
    const version = g.ref && t ? resolveTemplateVersion(g.ref.version, t) : null;
    return { g, t, version };
  });
  const extra = await readExtraVersions(
    ec2,
    resolved.flatMap(({ t, version }) =>
      t && version !== null && version !== t.defaultVersion ? [{ id: t.launchTemplateId, version }] : [],
    ),
  );
  return resolved.map(({ g, t, version }) => ({
    accountId: scope.accountId,
    region: scope.region,
    name: g.name,
    launchTemplate: g.ref
      ? { id: t?.launchTemplateId ?? g.ref.id ?? g.ref.name ?? '?', version: g.ref.version }
      : null,
    manager: g.manager,
    launches:
      t && version !== null
        ? {
            version,
            httpTokens:
              version === t.defaultVersion
                ? t.httpTokens
                : (extra.get(`${t.launchTemplateId}:${version}`) ?? null),
          }
        : null,
  }));
}

async function readExtraVersions(
  ec2: EC2Client,
  wanted: { id: string; version: number }[],
): Promise<Map<string, HttpTokens | null>> {
  const out = new Map<string, HttpTokens | null>();
  const perTemplate = new Map<string, Set<number>>();
  for (const w of wanted) perTemplate.set(w.id, (perTemplate.get(w.id) ?? new Set()).add(w.version));
  for (const [id, versions] of perTemplate) {
    const input = { LaunchTemplateId: id, Versions: [...versions].map(String) };
    for await (const page of paginateDescribeLaunchTemplateVersions({ client: ec2 }, input)) {
      for (const v of page.LaunchTemplateVersions ?? []) out.set(`${id}:${v.VersionNumber}`, tokensOf(v));
    }
  }
  return out;
}

export async function readAccountDefault(ec2: EC2Client, scope: Scope): Promise<AccountDefault> {
  const out = await ec2.send(getInstanceMetadataDefaultsCommand());
  const a = out.AccountLevel ?? {};
  return {
    accountId: scope.accountId,
    region: scope.region,
    httpTokens: a.HttpTokens ?? 'no-preference',
    httpEndpoint: a.HttpEndpoint ?? 'no-preference',
    hopLimit: a.HttpPutResponseHopLimit ?? null,
    instanceMetadataTags: a.InstanceMetadataTags ?? 'no-preference',
    managedBy: a.ManagedBy === 'declarative-policy' ? 'declarative-policy' : 'account',
    managedExceptionMessage: a.ManagedExceptionMessage ?? null,
  };
}
