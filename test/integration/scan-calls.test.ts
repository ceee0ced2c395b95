import { describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { makeWorkflow, startHarness } from '../support/harness.js';

/**
 * The prevention parts of a scope cost as few calls as their answer needs: Auto Scaling groups
 * only where an instance was launched by one, launch templates in one paginated call. The
 * findings and the templates reported are the same as when every call was made.
 */

const ACCOUNT = '565656565656';
const REGION = 'eu-west-1';
const OLD = new Date(Date.now() - 40 * 86_400_000);
const at = { accountId: ACCOUNT, region: REGION };
const workflow = () =>
  makeWorkflow({
    accounts: [{ id: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner` }],
    regions: [REGION],
  });

/** A scope with two templates, one of them fixed in a newer default version, and an empty ASG. */
function baseFleet() {
  const fleet = new Fleet({ seed: 21 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const loose = fleet.addLaunchTemplate({ ...at, name: 'loose', versions: [{}] });
  const fixed = fleet.addLaunchTemplate({
    ...at,
    name: 'fixed',
    versions: [{}, { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } }, {}],
    defaultVersion: 2,
  });
  // a group with no instances: it launches IMDSv1 instances, but none of this scope's findings
  fleet.addAutoScalingGroup({
    ...at,
    name: 'idle',
    launchTemplate: { id: loose.launchTemplateId },
    minSize: 0,
  });
  return { fleet, loose, fixed };
}

describe('Auto Scaling groups are read only where instances were launched by one', () => {
  it('a scope without ASG-launched instances: no DescribeAutoScalingGroups, no ASG finding, templates kept', async () => {
    const { fleet, loose, fixed } = baseFleet();
    for (let n = 0; n < 3; n++) fleet.addInstance({ ...at, launchTime: OLD });
    const h = await startHarness({ fleet, throttle: false }, workflow());
    try {
      const report = await h.scan();
      const calls = h.emulator.stats().byAction;

      expect(report.errors).toEqual([]);
      expect(report.summary.scopes).toEqual({ scanned: 1, partial: 0, failed: 0 });
      expect(report.findings).toHaveLength(3);
      for (const f of report.findings) expect(f).toMatchObject({ asg: null, templateRisk: null });
      expect(calls['autoscaling:DescribeAutoScalingGroups']).toBeUndefined();
      // every template of the scope, with its default version's tokens (none set: null)
      expect(
        report.launchTemplates.map((t) => [
          t.launchTemplateId,
          t.defaultVersion,
          t.latestVersion,
          t.httpTokens,
        ]),
      ).toEqual([
        [loose.launchTemplateId, 1, 1, null],
        [fixed.launchTemplateId, 2, 3, 'required'],
      ]);
      expect(report.summary.launchTemplates).toEqual({ total: 2, notEnforcing: 1 });
    } finally {
      await h.close();
    }
  });

  it('a scope with ASG-launched instances still reads the groups and the versions they launch', async () => {
    const { fleet, loose, fixed } = baseFleet();
    fleet.addAutoScalingGroup({
      ...at,
      name: 'web',
      launchTemplate: { id: fixed.launchTemplateId, version: '$Latest' },
    });
    fleet.addAutoScalingGroup({ ...at, name: 'api', launchTemplate: { id: fixed.launchTemplateId } });
    fleet.addAutoScalingGroup({ ...at, name: 'batch', launchConfigurationName: 'batch-lc' });
    const web = fleet.addInstance({ ...at, launchTime: OLD, asg: 'web' });
    const api = fleet.addInstance({ ...at, launchTime: OLD, asg: 'api' });
    const batch = fleet.addInstance({ ...at, launchTime: OLD, asg: 'batch' });
    const alone = fleet.addInstance({ ...at, launchTime: OLD });
    const h = await startHarness({ fleet, throttle: false }, workflow());
    try {
      const report = await h.scan();
      const calls = h.emulator.stats().byAction;
      const risk = Object.fromEntries(report.findings.map((f) => [f.instanceId, [f.asg, f.templateRisk]]));

      expect(report.errors).toEqual([]);
      expect(risk).toEqual({
        // $Latest of "fixed" is version 3, which does not require tokens
        [web.instanceId]: ['web', 'asg-unfixed-template'],
        [api.instanceId]: ['api', 'asg-fixed-template'],
        [batch.instanceId]: ['batch', 'asg-no-template'],
        [alone.instanceId]: [null, null],
      });
      expect(calls['autoscaling:DescribeAutoScalingGroups']).toBe(1);
      // $Default and $Latest of every template in one call, plus version 3 of "fixed" for "web"
      expect(calls['ec2:DescribeLaunchTemplateVersions']).toBe(2);
      expect(calls['ec2:DescribeLaunchTemplates']).toBeUndefined();
      expect(report.launchTemplates.map((t) => t.launchTemplateId)).toEqual([
        loose.launchTemplateId,
        fixed.launchTemplateId,
      ]);
    } finally {
      await h.close();
    }
  });
});

describe('launch templates', () => {
  it('more templates than a page: every one is read, through DescribeLaunchTemplateVersions alone', async () => {
    const fleet = new Fleet({ seed: 22 });
    fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
    const made = [];
    for (let n = 0; n < 230; n++)
      made.push(
        fleet.addLaunchTemplate({
          ...at,
          name: `t-${n}`,
          versions: n % 2 === 0 ? [{}] : [{}, { metadataOptions: { httpTokens: 'required' } }],
          defaultVersion: n % 2 === 0 ? 1 : 2,
        }),
      );
    fleet.addInstance({ ...at, launchTime: OLD });
    const h = await startHarness({ fleet, throttle: false }, workflow());
    try {
      const report = await h.scan();
      const calls = h.emulator.stats().byAction;

      expect(report.launchTemplates).toHaveLength(230);
      expect(
        report.launchTemplates.map((t) => [t.launchTemplateId, t.name, t.defaultVersion, t.httpTokens]),
      ).toEqual(
        made.map((t, n) => [
          t.launchTemplateId,
          `t-${n}`,
          n % 2 === 0 ? 1 : 2,
          n % 2 === 0 ? null : 'required',
        ]),
      );
      expect(report.summary.launchTemplates).toEqual({ total: 230, notEnforcing: 115 });
      // 230 templates x up to two versions, 200 a page
      expect(calls['ec2:DescribeLaunchTemplateVersions']).toBe(2);
      expect(calls['ec2:DescribeLaunchTemplates']).toBeUndefined();
    } finally {
      await h.close();
    }
  });
});
