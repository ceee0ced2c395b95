import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, Fleet, startAwsEmulator } from '../../sandbox/aws/index.js';
import { HUB, outcome, sdkConfig } from '../support/emulator-clients.js';

const REGION = 'eu-west-1';
let clock: number;
let fleet: Fleet;
let emulator: AwsEmulator;
let managed: string;
let unmanaged: string;

const ssm = () => new SSMClient(sdkConfig(emulator.url, HUB, REGION));

beforeEach(async () => {
  clock = Date.parse('2026-12-01T00:00:00.000Z');
  fleet = new Fleet({ now: () => new Date(clock) });
  const hub = fleet.hubAccountId;
  managed = fleet.addInstance({ accountId: hub, region: REGION }).instanceId;
  unmanaged = fleet.addInstance({ accountId: hub, region: REGION }).instanceId;
  fleet.ssm.manage({ instanceId: managed, accountId: hub, region: REGION, agentVersion: '3.3.1142.0' });
  fleet.ssm.runMs = 5000;
  emulator = await startAwsEmulator({ fleet, throttle: false, now: () => new Date(clock) });
});

afterEach(async () => {
  await emulator.close();
});

describe('SSM (AWS JSON 1.1)', () => {
  it('DescribeInstanceInformation lists the managed instances with their agent, filtered by id', async () => {
    const all = await ssm().send(new DescribeInstanceInformationCommand({}));
    const some = await ssm().send(
      new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [unmanaged] }] }),
    );
    expect(all.InstanceInformationList?.map((i) => [i.InstanceId, i.PingStatus, i.AgentVersion])).toEqual([
      [managed, 'Online', '3.3.1142.0'],
    ]);
    expect(all.InstanceInformationList?.[0]?.LastPingDateTime).toBeInstanceOf(Date);
    expect(some.InstanceInformationList).toEqual([]);
  });

  it('SendCommand runs a shell script: Pending/InProgress, then the output the instance gave', async () => {
    fleet.ssm.respond(managed, (commands) => ({
      status: 'Success',
      responseCode: 0,
      stdout: `pid 812 python3 made 14 IMDSv1 calls (${commands.length} command)`,
      stderr: '',
    }));
    const sent = await ssm().send(
      new SendCommandCommand({
        InstanceIds: [managed],
        DocumentName: 'AWS-RunShellScript',
        Parameters: { commands: ['timeout 300 ./imds-v1-callers.sh'] },
        TimeoutSeconds: 600,
        Comment: 'imds-bot caller finding',
      }),
    );
    const commandId = sent.Command?.CommandId ?? '';
    const get = () =>
      ssm().send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: managed }));

    expect(sent.Command?.Status).toBe('Pending');
    expect((await get()).Status).toBe('InProgress');
    clock += 5000;
    const done = await get();
    expect([done.Status, done.ResponseCode, done.StandardOutputContent]).toEqual([
      'Success',
      0,
      'pid 812 python3 made 14 IMDSv1 calls (1 command)',
    ]);
    expect(done.ExecutionEndDateTime).toBe('2026-12-01T00:00:05.000Z');
  });

  it('a script that outlives its executionTimeout ends TimedOut (TimeoutSeconds is only delivery)', async () => {
    fleet.ssm.respond(managed, () => ({
      status: 'Success',
      responseCode: 0,
      stdout: 'late',
      stderr: '',
      durationMs: 120_000,
    }));
    const sent = await ssm().send(
      new SendCommandCommand({
        InstanceIds: [managed],
        DocumentName: 'AWS-RunShellScript',
        Parameters: { commands: ['sleep 120'], executionTimeout: ['30'] },
        TimeoutSeconds: 30,
      }),
    );
    clock += 30_000;
    const out = await ssm().send(
      new GetCommandInvocationCommand({ CommandId: sent.Command?.CommandId ?? '', InstanceId: managed }),
    );
    expect([out.Status, out.StandardOutputContent]).toEqual(['TimedOut', '']);
  });

  it('answers the errors SSM does: unmanaged instance, unknown document, unknown invocation', async () => {
    const send = (InstanceIds: string[], DocumentName = 'AWS-RunShellScript') =>
      ssm().send(new SendCommandCommand({ InstanceIds, DocumentName, Parameters: { commands: ['true'] } }));
    expect(await outcome(send([unmanaged]))).toBe('InvalidInstanceId/400');
    expect(await outcome(send([managed], 'My-Document'))).toBe('InvalidDocument/400');
    const missing = ssm().send(
      new GetCommandInvocationCommand({
        CommandId: '00000000-0000-4000-8000-000000000000',
        InstanceId: managed,
      }),
    );
    expect(await outcome(missing)).toBe('InvocationDoesNotExist/400');
  });
});
