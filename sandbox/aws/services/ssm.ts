import { z } from 'zod';
import type { JsonAction, JsonCall } from '../context.js';
import { ApiError } from '../wire/errors.js';
import { pageOf } from '../wire/tokens.js';

/**
 * Systems Manager, AWS JSON 1.1 (X-Amz-Target AmazonSSM.<Action>): DescribeInstanceInformation,
 * SendCommand (AWS-RunShellScript / AWS-RunPowerShellScript with Parameters.commands, bounded by
 * Parameters.executionTimeout),
 * GetCommandInvocation (its output capped at 24,000 characters, as the SSM API Reference says of
 * StandardOutputContent). Error codes InvalidInstanceId, InvalidDocument, InvalidParameters,
 * InvocationDoesNotExist. The model is sandbox/aws/ssm.ts.
 */

const OUTPUT_MAX = 24_000;
const DOCUMENTS = new Set(['AWS-RunShellScript', 'AWS-RunPowerShellScript']);
const INSTANCE_ID = /^(i|mi)-[0-9a-f]{8,17}$/;

function input<T extends z.ZodType>(schema: T, call: JsonCall): z.infer<T> {
  const parsed = schema.safeParse(call.body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value at '${issue?.path.join('.') ?? ''}' failed to satisfy constraint`,
    );
  }
  return parsed.data;
}

const mine = (call: JsonCall) => (m: { accountId: string; region: string }) =>
  m.accountId === call.principal.accountId && m.region === call.region;

const describeInstanceInformation: JsonAction = (call) => {
  const p = input(
    z.object({
      Filters: z.array(z.object({ Key: z.string(), Values: z.array(z.string()) })).optional(),
      MaxResults: z.number().int().min(5).max(50).optional(),
      NextToken: z.string().optional(),
    }),
    call,
  );
  const wanted = p.Filters?.find((f) => f.Key === 'InstanceIds')?.Values;
  const all = call.fleet.ssm
    .managedIn(call.principal.accountId, call.region)
    .filter((m) => wanted === undefined || wanted.includes(m.instanceId));
  const page = pageOf(
    all,
    p.NextToken,
    `DescribeInstanceInformation:${JSON.stringify(p.Filters ?? [])}`,
    p.MaxResults ?? 50,
    'InvalidNextToken',
  );
  return {
    InstanceInformationList: page.items.map((m) => ({
      InstanceId: m.instanceId,
      PingStatus: m.pingStatus,
      LastPingDateTime: (m.lastPingAt || call.now) / 1000,
      AgentVersion: m.agentVersion,
      IsLatestVersion: false,
      PlatformType: m.platformType,
      PlatformName: m.platformName,
      ResourceType: 'EC2Instance',
    })),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

const sendCommand: JsonAction = (call) => {
  const p = input(
    z.object({
      InstanceIds: z.array(z.string()).min(1).max(50),
      DocumentName: z.string().min(1),
      Parameters: z.record(z.string(), z.array(z.string())).optional(),
      TimeoutSeconds: z.number().int().min(30).max(2_592_000).optional(),
      Comment: z.string().max(100).optional(),
    }),
    call,
  );
  if (!DOCUMENTS.has(p.DocumentName))
    throw new ApiError('InvalidDocument', `Document ${p.DocumentName} does not exist`);
  const commands = p.Parameters?.commands ?? [];
  if (commands.length === 0) throw new ApiError('InvalidParameters', 'Parameter "commands" is required');
  const bad = p.InstanceIds.filter((id) => {
    const m = call.fleet.ssm.instance(id);
    return !INSTANCE_ID.test(id) || !m || !mine(call)(m) || m.pingStatus !== 'Online';
  });
  if (bad.length > 0)
    throw new ApiError(
      'InvalidInstanceId',
      `Instances [[${bad.join(', ')}]] not in a valid state for account ${call.principal.accountId}`,
    );
  // TimeoutSeconds is the delivery timeout (the emulator delivers at once); how long the script may
  // run is the document's executionTimeout parameter (AWS-RunShellScript: default 3600, max 172800)
  const execution = p.Parameters?.executionTimeout?.[0] ?? '3600';
  if (!/^\d{1,6}$/.test(execution) || Number(execution) > 172_800)
    throw new ApiError('InvalidParameters', 'Parameter "executionTimeout" must be 1-172800 seconds');
  const timeoutSeconds = Number(execution);
  const commandId = call.fleet.ssm.send(
    {
      accountId: call.principal.accountId,
      region: call.region,
      documentName: p.DocumentName,
      commands,
      comment: p.Comment ?? '',
      timeoutSeconds,
      requestedAt: call.now,
    },
    p.InstanceIds,
  );
  return {
    Command: {
      CommandId: commandId,
      DocumentName: p.DocumentName,
      DocumentVersion: '$DEFAULT',
      Comment: p.Comment ?? '',
      Parameters: p.Parameters ?? {},
      InstanceIds: p.InstanceIds,
      RequestedDateTime: call.now / 1000,
      Status: 'Pending',
      TargetCount: p.InstanceIds.length,
      CompletedCount: 0,
      ErrorCount: 0,
      TimeoutSeconds: p.TimeoutSeconds ?? 3600,
    },
  };
};

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());

const getCommandInvocation: JsonAction = (call) => {
  const p = input(z.object({ CommandId: z.string().min(36).max(36), InstanceId: z.string().min(1) }), call);
  const i = call.fleet.ssm.invocation(p.CommandId, p.InstanceId);
  if (!i || !mine(call)(i) || call.now < i.requestedAt + call.fleet.ssm.propagationMs)
    throw new ApiError('InvocationDoesNotExist', 'An error occurred (InvocationDoesNotExist)');
  const at = call.fleet.ssm.statusAt(i, call.now);
  const done = at.status === 'Success' || at.status === 'Failed';
  return {
    CommandId: i.commandId,
    InstanceId: i.instanceId,
    Comment: i.comment,
    DocumentName: i.documentName,
    DocumentVersion: '$DEFAULT',
    PluginName: 'aws:runShellScript',
    ResponseCode: done ? i.outcome.responseCode : -1,
    ExecutionStartDateTime: iso(at.startedAt),
    ExecutionEndDateTime: iso(at.endedAt),
    Status: at.status,
    StatusDetails: at.status,
    StandardOutputContent: done ? i.outcome.stdout.slice(0, OUTPUT_MAX) : '',
    StandardErrorContent: done ? i.outcome.stderr.slice(0, OUTPUT_MAX) : '',
  };
};

export const ssmActions: Record<string, JsonAction> = {
  DescribeInstanceInformation: describeInstanceInformation,
  GetCommandInvocation: getCommandInvocation,
  SendCommand: sendCommand,
};
