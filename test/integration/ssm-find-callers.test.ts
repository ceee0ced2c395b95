import { SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import { createInstanceCommands, loadFindCallersScript } from '../../src/adapters/aws/ssm.js';
import { parseCallerReport } from '../../src/domain/fixes/callers.js';
import { sdkConfig } from '../support/emulator-clients.js';

/** The SSM adapter with the real SDK over HTTP against the emulator's SSM (AWS JSON 1.1). */

const REGION = 'eu-west-1';
let clock: number;
let fleet: Fleet;
let emulator: AwsEmulator;
let calling: string;
let quiet: string;
let unmanaged: string;
let lost: string;

const commands = () =>
  createInstanceCommands(new SSMClient(sdkConfig(emulator.url, undefined, REGION)), loadFindCallersScript());

beforeEach(async () => {
  clock = Date.parse('2026-12-02T05:00:00.000Z');
  fleet = new Fleet({ now: () => new Date(clock) });
  const hub = fleet.hubAccountId;
  const add = (usage?: { kind: 'steady'; callsPerHour: number }) =>
    fleet.addInstance({ accountId: hub, region: REGION, ...(usage ? { usage } : {}) }).instanceId;
  calling = add({ kind: 'steady', callsPerHour: 720 });
  quiet = add();
  unmanaged = add({ kind: 'steady', callsPerHour: 720 });
  lost = add();
  for (const id of [calling, quiet]) fleet.ssm.manage({ instanceId: id, accountId: hub, region: REGION });
  fleet.ssm.manage({ instanceId: lost, accountId: hub, region: REGION, pingStatus: 'ConnectionLost' });
  emulator = await startAwsEmulator({ fleet, throttle: false, now: () => new Date(clock) });
});

afterEach(async () => {
  await emulator.close();
});

describe('SSM Run Command for find-caller (real SDK, emulator)', () => {
  it('DescribeInstanceInformation: managed and online, never registered, or not online', async () => {
    const c = commands();
    expect(await c.managed(calling)).toEqual({
      managed: true,
      agentVersion: '3.3.1142.0',
      platform: 'Amazon Linux',
    });
    expect(await c.managed(unmanaged)).toEqual({ managed: false, why: 'not-registered', pingStatus: null });
    expect(await c.managed(lost)).toEqual({
      managed: false,
      why: 'not-online',
      pingStatus: 'ConnectionLost',
    });
  });

  it('sends the shipped script, bounded; the invocation is missing, then pending, then the report', async () => {
    fleet.ssm.propagationMs = 500;
    fleet.ssm.runMs = 2000;
    const c = commands();
    const id = await c.sendFindCallers(calling, 60, 'imds-bot cr-0123456789ab');
    expect(await c.invocation(id, calling)).toEqual({ status: 'missing' });
    clock += 1000;
    expect(await c.invocation(id, calling)).toEqual({ status: 'pending' });
    clock += 2000;
    const done = await c.invocation(id, calling);
    expect(done).toMatchObject({ status: 'done', outcome: 'Success' });
    const report = parseCallerReport(done.status === 'done' ? done.stdout : '');
    expect(report).toMatchObject({ status: 'ok', windowSeconds: 60, withoutToken: 12 });
    expect(report.status === 'ok' && report.callers.map((x) => x.process)).toEqual(['python2.7']);

    const sent = fleet.ssm.invocation(id, calling);
    expect(sent?.documentName).toBe('AWS-RunShellScript');
    expect(sent?.timeoutSeconds).toBe(90); // executionTimeout: the watch and 30 s
    expect(sent?.commands[0]).toBe('set -- 60');
    expect(sent?.commands.join('\n')).toContain('imds-bot find-imdsv1-callers');
  });

  it('an instance that makes no IMDSv1 call reports none', async () => {
    const c = commands();
    const id = await c.sendFindCallers(quiet, 30, 'imds-bot');
    clock += 5000;
    const done = await c.invocation(id, quiet);
    expect(parseCallerReport(done.status === 'done' ? done.stdout : '')).toMatchObject({
      status: 'ok',
      withoutToken: 0,
      callers: [],
    });
  });

  it('SendCommand to an unmanaged instance is InvalidInstanceId, a permanent error', async () => {
    await expect(commands().sendFindCallers(unmanaged, 30, 'x')).rejects.toMatchObject({
      code: 'InvalidInstanceId',
      transient: false,
    });
  });
});
