import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import { createAutoScalingChanges } from '../../src/adapters/aws/auto-scaling-refresh.js';
import { planRefresh, REFRESH_DEFAULTS, type RefreshPlan } from '../../src/domain/change/instance-refresh.js';
import type { CodedError } from '../../src/domain/errors.js';
import type { AutoScalingChanges } from '../../src/domain/ports/remediation.js';
import { HUB, sdkConfig } from '../support/emulator-clients.js';
import { addTemplatedGroup, addWebTemplate } from '../support/refresh-fleet.js';

/**
 * The instance-refresh adapter with the real SDK against the emulator (awsQuery over HTTP): the group
 * as planned, StartInstanceRefresh and its progress read back, a failure that AutoRollback undoes,
 * a rollback on request, and a cancel. The emulator's clock is the test's.
 */

const REGION = 'eu-west-1';
let clock: number;
let fleet: Fleet;
let emulator: AwsEmulator;
let asg: AutoScalingChanges;
let templateId: string;

function build(groupVersion: string): void {
  fleet = new Fleet({ now: () => new Date(clock) });
  const at = { accountId: fleet.hubAccountId, region: REGION };
  const lt = addWebTemplate(fleet, at, { fixed: true });
  templateId = lt.launchTemplateId;
  addTemplatedGroup(fleet, at, templateId, 'web', { version: groupVersion });
  fleet.refreshes.stepMs = 1000;
}

async function start(groupVersion: string): Promise<void> {
  clock = Date.parse('2026-12-01T00:00:00.000Z');
  build(groupVersion);
  emulator = await startAwsEmulator({ fleet, throttle: false, now: () => new Date(clock) });
  const cfg = sdkConfig(emulator.url, HUB, REGION);
  asg = createAutoScalingChanges(new AutoScalingClient(cfg), new EC2Client(cfg), {
    accountId: fleet.hubAccountId,
    region: REGION,
  });
}

const settings = {
  ...REFRESH_DEFAULTS,
  minHealthyPercentage: 50,
  checkpointPercentages: [50, 100],
  checkpointDelaySeconds: 10,
};

async function planned(): Promise<RefreshPlan> {
  const g = await asg.group('web');
  if (!g) throw new Error('no group');
  const p = planRefresh(g, {
    accountId: fleet.hubAccountId,
    region: REGION,
    settings,
    defaultRequires: false,
  });
  if (!p.ok) throw new Error('not planned');
  return p.plan;
}

const tokensOfGroup = () =>
  [...(fleet.scope(fleet.hubAccountId, REGION)?.asgByName.get('web')?.instanceIds ?? [])].map(
    (id) => fleet.instance(id)?.metadata.httpTokens,
  );

afterEach(async () => {
  await emulator.close();
});

describe('instance refresh of a group pinned to the version that allows IMDSv1', () => {
  beforeEach(() => start('1'));

  it('reads the group and both versions, plans a desired configuration with auto rollback', async () => {
    const g = await asg.group('web');
    expect(g).toMatchObject({
      launchTemplate: { id: templateId, name: 'web', version: '1' },
      instanceCount: 4,
      launches: { version: 1, httpTokens: 'optional' },
      defaultVersion: { version: 2, httpTokens: 'required' },
    });
    expect(await planned()).toMatchObject({
      fromVersion: '1',
      toVersion: 2,
      desired: true,
      autoRollback: true,
    });
    expect((await asg.groupsUsing(templateId)).map((x) => x.name)).toEqual(['web']);
    expect(await asg.group('nope')).toBeNull();
  });

  it('start, progress at the checkpoint, success: every instance requires tokens, the group is on version 2', async () => {
    const started = await asg.startRefresh(await planned());
    expect(await asg.refresh('web', started.instanceRefreshId)).toMatchObject({
      status: 'InProgress',
      percentageComplete: 0,
      instancesToUpdate: 4,
    });
    clock += 1000;
    expect(await asg.refresh('web', started.instanceRefreshId)).toMatchObject({
      status: 'InProgress',
      percentageComplete: 50,
      statusReason: 'Waiting for checkpoint at 50%',
    });
    expect((await asg.active('web'))?.id).toBe(started.instanceRefreshId);
    clock += 11_000;
    expect((await asg.refresh('web', started.instanceRefreshId))?.status).toBe('Successful');
    expect(tokensOfGroup()).toEqual(['required', 'required', 'required', 'required']);
    expect((await asg.group('web'))?.launchTemplate?.version).toBe('2');
    expect(await asg.active('web')).toBeNull();
  });

  it('a failure is rolled back by Auto Scaling (AutoRollback): the instances are back on version 1', async () => {
    fleet.refreshes.failNext('web', 1);
    const { instanceRefreshId: id } = await asg.startRefresh(await planned());
    clock += 1000;
    expect((await asg.refresh('web', id))?.status).toBe('RollbackInProgress');
    clock += 1000;
    expect((await asg.refresh('web', id))?.status).toBe('RollbackSuccessful');
    expect(tokensOfGroup()).toEqual(['optional', 'optional', 'optional', 'optional']);
    expect((await asg.group('web'))?.launchTemplate?.version).toBe('1');
  });

  it('a rollback on request while it runs, and a second start refused while one runs', async () => {
    const plan = await planned();
    const { instanceRefreshId: id } = await asg.startRefresh(plan);
    const second = await asg.startRefresh(plan).catch((e: CodedError) => e.code);
    expect(second).toBe('InstanceRefreshInProgressFault');
    clock += 1000;
    expect((await asg.rollbackRefresh('web')).instanceRefreshId).toBe(id);
    clock += 1000;
    expect((await asg.refresh('web', id))?.status).toBe('RollbackSuccessful');
    expect(tokensOfGroup()).toEqual(['optional', 'optional', 'optional', 'optional']);
  });

  it('a cancel stops it where it is: the instances replaced so far keep IMDSv2', async () => {
    const { instanceRefreshId: id } = await asg.startRefresh(await planned());
    clock += 1000;
    expect((await asg.cancelRefresh('web')).instanceRefreshId).toBe(id);
    expect((await asg.refresh('web', id))?.status).toBe('Cancelled');
    expect(tokensOfGroup().sort()).toEqual(['optional', 'optional', 'required', 'required']);
    const again = await asg.cancelRefresh('web').catch((e: CodedError) => e.code);
    expect(again).toBe('ActiveInstanceRefreshNotFoundFault');
  });
});

describe('instance refresh of a group on $Default (already launching the fixed version)', () => {
  beforeEach(() => start('$Default'));

  it('is planned without a desired configuration, so without auto rollback; RollbackInstanceRefresh is refused, cancel works', async () => {
    const plan = await planned();
    expect(plan).toMatchObject({
      fromVersion: '$Default',
      toVersion: 2,
      desired: false,
      autoRollback: false,
    });
    await asg.startRefresh(plan);
    const refused = await asg.rollbackRefresh('web').catch((e: CodedError) => e.code);
    expect(refused).toBe('IrreversibleInstanceRefreshFault');
    await asg.cancelRefresh('web');
    expect(await asg.active('web')).toBeNull();
  });
});
