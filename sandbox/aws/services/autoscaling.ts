import type { FormCall, XmlAction } from '../context.js';
import type { AsgRecord, InstanceRecord } from '../types.js';
import { validationError } from '../wire/errors.js';
import { pageOf } from '../wire/tokens.js';
import { isoTime, type XmlWriter } from '../wire/xml.js';

export const AUTOSCALING_XMLNS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

function writeTemplateSpec(
  out: XmlWriter,
  tag: string,
  spec: { id: string; name: string; version: string },
): void {
  out.node(tag, (w) =>
    w.leaf('LaunchTemplateId', spec.id).leaf('LaunchTemplateName', spec.name).leaf('Version', spec.version),
  );
}

function writeLaunchSource(out: XmlWriter, g: AsgRecord): void {
  out.leaf('LaunchConfigurationName', g.launchConfigurationName);
  const spec = g.launchTemplate;
  if (!spec) return;
  if (!g.mixedInstancesPolicy) {
    writeTemplateSpec(out, 'LaunchTemplate', spec);
    return;
  }
  out.node('MixedInstancesPolicy', (w) => {
    w.open('LaunchTemplate');
    writeTemplateSpec(w, 'LaunchTemplateSpecification', spec);
    w.open('Overrides').close('Overrides').close('LaunchTemplate');
    w.node('InstancesDistribution', (d) =>
      d.leaf('OnDemandBaseCapacity', 0).leaf('OnDemandPercentageAboveBaseCapacity', 100),
    );
  });
}

function writeInstance(out: XmlWriter, g: AsgRecord, i: InstanceRecord): void {
  out
    .leaf('InstanceId', i.instanceId)
    .leaf('InstanceType', i.instanceType)
    .leaf('AvailabilityZone', i.availabilityZone)
    .leaf('LifecycleState', i.state === 'running' ? 'InService' : 'Standby')
    .leaf('HealthStatus', 'Healthy')
    .leaf('LaunchConfigurationName', g.launchConfigurationName);
  const id = i.tags['aws:ec2launchtemplate:id'];
  const version = i.tags['aws:ec2launchtemplate:version'];
  if (g.launchTemplate && id && version) {
    writeTemplateSpec(out, 'LaunchTemplate', { id, name: g.launchTemplate.name, version });
  }
  out.leaf('ProtectedFromScaleIn', false);
}

function writeGroup(out: XmlWriter, call: FormCall, g: AsgRecord): void {
  const instances = [...g.instanceIds]
    .map((id) => call.fleet.instance(id))
    .filter((i): i is InstanceRecord => i !== undefined);
  out
    .leaf('AutoScalingGroupName', g.name)
    .leaf('AutoScalingGroupARN', g.arn)
    .leaf('MinSize', g.minSize)
    .leaf('MaxSize', g.maxSize)
    .leaf('DesiredCapacity', instances.length)
    .leaf('DefaultCooldown', 300)
    .list('AvailabilityZones', 'member', [`${g.region}a`, `${g.region}b`], (w, az) => w.text(az));
  writeLaunchSource(out, g);
  out
    .leaf('HealthCheckType', 'EC2')
    .leaf('HealthCheckGracePeriod', 300)
    .leaf('CreatedTime', isoTime(g.createdTime));
  out.list('Instances', 'member', instances, (w, i) => writeInstance(w, g, i));
  out.list('Tags', 'member', Object.entries(g.tags), (w, [key, value]) =>
    w
      .leaf('ResourceId', g.name)
      .leaf('ResourceType', 'auto-scaling-group')
      .leaf('Key', key)
      .leaf('Value', value)
      .leaf('PropagateAtLaunch', true),
  );
  out.leaf('NewInstancesProtectedFromScaleIn', false);
}

const describeAutoScalingGroups: XmlAction = (call, out) => {
  const names = call.params.memberList('AutoScalingGroupNames');
  const maxRecords = call.params.int('MaxRecords', 1, 100) ?? 50;
  if (call.params.has('Filters.member')) {
    throw validationError('the emulator does not support Filters on DescribeAutoScalingGroups');
  }
  const scope = call.fleet.scope(call.principal.accountId, call.region);
  const all = scope?.asgs ?? [];
  const selected = names.length === 0 ? all : all.filter((g) => names.includes(g.name));
  const fingerprint = call.params.fingerprint(['NextToken', 'MaxRecords']);
  const page = pageOf(selected, call.params.str('NextToken'), fingerprint, maxRecords, 'InvalidNextToken');
  out.list('AutoScalingGroups', 'member', page.items, (w, g) => writeGroup(w, call, g));
  out.leaf('NextToken', page.nextToken);
};

export const autoScalingActions: Record<string, XmlAction> = {
  DescribeAutoScalingGroups: describeAutoScalingGroups,
};
