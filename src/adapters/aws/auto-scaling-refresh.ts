import {
  type AutoScalingClient,
  type AutoScalingGroup as AwsGroup,
  CancelInstanceRefreshCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
  paginateDescribeAutoScalingGroups,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  hasEnded,
  preferencesOf,
  type RefreshGroup,
  type RefreshState,
  RefreshStatus,
} from '../../domain/change/instance-refresh.js';
import type { StartedRefresh } from '../../domain/change/refresh-adopt.js';
import { CodedError } from '../../domain/errors.js';
import type { HttpTokens, Scope } from '../../domain/findings/model.js';
import type { AutoScalingChanges } from '../../domain/ports/remediation.js';
import { classifyAwsError } from './errors.js';
import { tagRecord } from './tags.js';

/**
 * Instance refreshes (the AutoScalingChanges port) of one account x region: StartInstanceRefresh,
 * DescribeInstanceRefreshes, CancelInstanceRefresh and RollbackInstanceRefresh, and the group as a
 * refresh needs it (DescribeAutoScalingGroups, then DescribeLaunchTemplateVersions for the version
 * it launches and the template's default). Every AWS error comes out as a CodedError.
 */

const where = (scope: Scope) => `${scope.accountId}/${scope.region}`;

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw classifyAwsError(err, what);
  }
}

const tokensOf = (t: string | undefined): HttpTokens | null =>
  t === 'optional' || t === 'required' ? t : null;

type Spec = { id: string | undefined; name: string | undefined; version: string };

const specOf = (g: AwsGroup): Spec | null => {
  const s = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  return s ? { id: s.LaunchTemplateId, name: s.LaunchTemplateName, version: s.Version ?? '$Default' } : null;
};

export function createAutoScalingChanges(
  asg: AutoScalingClient,
  ec2: EC2Client,
  scope: Scope,
): AutoScalingChanges {
  /** the version `spec` names and the default, read in one DescribeLaunchTemplateVersions */
  async function versions(spec: Spec) {
    const ref = spec.id ? { LaunchTemplateId: spec.id } : { LaunchTemplateName: spec.name };
    const wanted = [...new Set([spec.version, '$Default'])];
    const out = await call(
      `DescribeLaunchTemplateVersions ${spec.id ?? spec.name ?? ''} in ${where(scope)}`,
      () => ec2.send(new DescribeLaunchTemplateVersionsCommand({ ...ref, Versions: wanted })),
    );
    const all = out.LaunchTemplateVersions ?? [];
    const of = (v: (typeof all)[number] | undefined) =>
      v?.VersionNumber === undefined
        ? null
        : {
            version: v.VersionNumber,
            httpTokens: tokensOf(v.LaunchTemplateData?.MetadataOptions?.HttpTokens),
          };
    const def = all.find((v) => v.DefaultVersion === true);
    const numbers = all.map((v) => v.VersionNumber ?? 0);
    const launched =
      spec.version === '$Default'
        ? def
        : spec.version === '$Latest'
          ? all.find((v) => v.VersionNumber === Math.max(...numbers))
          : all.find((v) => String(v.VersionNumber) === spec.version);
    return {
      id: all[0]?.LaunchTemplateId ?? spec.id ?? '?',
      name: all[0]?.LaunchTemplateName ?? spec.name ?? '?',
      launches: of(launched),
      defaultVersion: of(def),
    };
  }

  async function toGroup(g: AwsGroup): Promise<RefreshGroup> {
    const spec = specOf(g);
    const tags = tagRecord(g.Tags);
    const base = {
      name: g.AutoScalingGroupName ?? '(unnamed)',
      mixedInstancesPolicy: g.MixedInstancesPolicy !== undefined,
      launchConfigurationName: g.LaunchConfigurationName ?? null,
      tags,
      instanceCount: g.Instances?.length ?? 0,
    };
    if (!spec) return { ...base, launchTemplate: null, launches: null, defaultVersion: null };
    const v = await versions(spec);
    const { launches, defaultVersion } = v;
    return {
      ...base,
      launchTemplate: { id: v.id, name: v.name, version: spec.version },
      launches,
      defaultVersion,
    };
  }

  const toState = (r: InstanceRefresh): RefreshState => ({
    id: r.InstanceRefreshId ?? '?',
    status: RefreshStatus.catch('InProgress').parse(r.Status),
    statusReason: r.StatusReason ?? null,
    percentageComplete: r.PercentageComplete ?? null,
    instancesToUpdate: r.InstancesToUpdate ?? null,
  });

  const startedOf = (r: InstanceRefresh): StartedRefresh => {
    const p = r.Preferences;
    const lt = r.DesiredConfiguration?.LaunchTemplate;
    return {
      ...toState(r),
      startedAt: r.StartTime?.toISOString() ?? null,
      desired: lt ? { launchTemplateId: lt.LaunchTemplateId ?? null, version: lt.Version ?? null } : null,
      preferences: p
        ? {
            MinHealthyPercentage: p.MinHealthyPercentage ?? null,
            CheckpointPercentages: p.CheckpointPercentages ?? [],
            CheckpointDelay: p.CheckpointDelay ?? null,
            SkipMatching: p.SkipMatching ?? null,
            AutoRollback: p.AutoRollback ?? null,
          }
        : null,
    };
  };

  const describe = (name: string, ids?: string[]) =>
    call(`DescribeInstanceRefreshes ${name} in ${where(scope)}`, () =>
      asg.send(
        new DescribeInstanceRefreshesCommand({
          AutoScalingGroupName: name,
          ...(ids ? { InstanceRefreshIds: ids } : { MaxRecords: 10 }),
        }),
      ),
    );

  const answered = (
    what: string,
    out: { InstanceRefreshId?: string | undefined; $metadata: { requestId?: string | undefined } },
  ) => {
    if (!out.InstanceRefreshId) throw new CodedError('unexpected-response', `${what}: no InstanceRefreshId.`);
    return { instanceRefreshId: out.InstanceRefreshId, awsRequestId: out.$metadata.requestId ?? null };
  };

  return {
    async group(name) {
      const out = await call(`DescribeAutoScalingGroups ${name} in ${where(scope)}`, () =>
        asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
      );
      const g = out.AutoScalingGroups?.find((x) => x.AutoScalingGroupName === name);
      return g ? toGroup(g) : null;
    },
    async groupsUsing(launchTemplateId) {
      const found: AwsGroup[] = [];
      const pages = paginateDescribeAutoScalingGroups({ client: asg, pageSize: 100 }, {});
      await call(`DescribeAutoScalingGroups in ${where(scope)}`, async () => {
        for await (const page of pages)
          for (const g of page.AutoScalingGroups ?? []) if (specOf(g)?.id === launchTemplateId) found.push(g);
      });
      return Promise.all(found.map(toGroup));
    },
    async startRefresh(plan) {
      const what = `StartInstanceRefresh ${plan.asgName} in ${where(scope)}`;
      const desired = plan.desired
        ? {
            DesiredConfiguration: {
              LaunchTemplate: { LaunchTemplateId: plan.launchTemplateId, Version: String(plan.toVersion) },
            },
          }
        : {};
      const out = await call(what, () =>
        asg.send(
          new StartInstanceRefreshCommand({
            AutoScalingGroupName: plan.asgName,
            Strategy: 'Rolling',
            Preferences: preferencesOf(plan),
            ...desired,
          }),
        ),
      );
      return answered(what, out);
    },
    async refresh(name, id) {
      const out = await describe(name, [id]);
      const r = out.InstanceRefreshes?.find((x) => x.InstanceRefreshId === id);
      return r ? toState(r) : null;
    },
    async refreshes(name) {
      return ((await describe(name)).InstanceRefreshes ?? []).map(startedOf);
    },
    async active(name) {
      const out = await describe(name);
      const r = (out.InstanceRefreshes ?? []).find((x) => !hasEnded(toState(x).status));
      return r ? startedOf(r) : null;
    },
    async cancelRefresh(name) {
      const what = `CancelInstanceRefresh ${name} in ${where(scope)}`;
      return answered(
        what,
        await call(what, () => asg.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: name }))),
      );
    },
    async rollbackRefresh(name) {
      const what = `RollbackInstanceRefresh ${name} in ${where(scope)}`;
      return answered(
        what,
        await call(what, () => asg.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: name }))),
      );
    },
  };
}
