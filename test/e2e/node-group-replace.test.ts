import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWebTemplate, requestIdIn } from '../support/refresh-fleet.js';
import { commandReply, requestCardOf } from '../support/request-card.js';
import {
  ACCOUNT,
  changeControlWorkflow,
  REGION,
  slackFleet,
  slackSeed,
  U,
} from '../support/slack-fixtures.js';
import { type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/**
 * EKS managed node groups and ECS capacity providers behind a launch template that allows IMDSv1,
 * the whole bot (Bolt's HTTP receiver, fake Slack, real Redis, the real SDK against the emulator):
 * an instance enforced in place is marked "fix undone on replace", and the fix named is the node
 * group's update (UpdateNodegroupVersion to the fixed template version) for EKS, the template fix and
 * an instance refresh for ECS. The group is recognised by its tags, on the group (as EKS and ECS tag
 * the Auto Scaling group) or on the instance.
 */
describe('node groups and capacity providers: fix undone on replace, the fix named', () => {
  let h: SlackHarness;
  const built = slackFleet();
  const lt = addWebTemplate(built.fleet, { accountId: ACCOUNT, region: REGION }, { name: 'nodes' });
  const group = (name: string, tags: Record<string, string>) =>
    built.fleet.addAutoScalingGroup({
      accountId: ACCOUNT,
      region: REGION,
      name,
      launchTemplate: { id: lt.launchTemplateId, version: '1' },
      tags,
    });
  group('eks-ng-asg', { 'eks:nodegroup-name': 'ng-1', 'eks:cluster-name': 'prod' });
  group('ecs-cp-asg', { AmazonECSManaged: '' });
  const node = (asg: string, name: string, required: boolean, tags: Record<string, string> = {}) =>
    built.fleet.addInstance({
      accountId: ACCOUNT,
      region: REGION,
      asg,
      launchTemplate: { id: lt.launchTemplateId, version: 1 },
      launchTime: new Date(Date.now() - 40 * 86_400_000),
      tags: { Name: name, Owner: 'alice@example.com', ...tags },
      ...(required ? { metadata: { httpTokens: 'required' as const } } : {}),
    }).instanceId;
  // enforced in place already; the node group is known from the group's tags only
  const eksEnforced = node('eks-ng-asg', 'eks-node-a', true);
  // still optional; this one carries the tags EKS puts on its nodes too
  const eksLaggard = node('eks-ng-asg', 'eks-node-b', false, {
    'eks:nodegroup-name': 'ng-1',
    'eks:cluster-name': 'prod',
  });
  const ecsLaggard = node('ecs-cp-asg', 'ecs-host', false);

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, changeControlWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const nodegroupFix = `aws eks update-nodegroup-version --cluster-name prod --nodegroup-name ng-1 --launch-template id=${lt.launchTemplateId}`;

  it('/imds status of a node enforced in place: fix undone on replace, the node-group update named as the fix', async () => {
    const status = await commandReply(h, `status ${eksEnforced}`, U.sec);
    expect(status).toContain('*fix undone on replace*');
    expect(status).toContain('EKS node group ng-1 (group eks-ng-asg)');
    expect(status).toContain('update the node group (UpdateNodegroupVersion');
    expect(status).toContain(nodegroupFix);
    expect(status).not.toContain('/imds refresh eks-ng-asg');
  });

  it('the enforce request of a node says the fix comes undone on replace and names the node-group update', async () => {
    const answer = await commandReply(h, `enforce ${eksLaggard}`, U.sec);
    const id = requestIdIn(answer);
    expect(id).not.toBe('');
    const card = JSON.stringify((await until(() => requestCardOf(h, id), 'the request card')).blocks);
    expect(card).toContain('*fix undone on replace*');
    expect(card).toContain('EKS node group ng-1');
    expect(card).toContain(nodegroupFix);
  });

  it('an ECS capacity provider group (tagged on the group): the same warning, the template fix then a refresh', async () => {
    const answer = await commandReply(h, `enforce ${ecsLaggard}`, U.sec);
    const id = requestIdIn(answer);
    const card = JSON.stringify((await until(() => requestCardOf(h, id), 'the request card')).blocks);
    expect(card).toContain('*fix undone on replace*');
    expect(card).toContain('ECS capacity provider group ecs-cp-asg');
    expect(card).toContain(`/imds fix-template ${ACCOUNT} ${REGION} ${lt.launchTemplateId}`);
    expect(card).toContain(`/imds refresh ecs-cp-asg ${ACCOUNT} ${REGION}`);
  });
});
