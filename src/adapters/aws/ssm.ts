import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { CodedError } from '../../domain/errors.js';
import type { CommandProgress, InstanceCommands, SsmManaged } from '../../domain/ports/instance-commands.js';
import { classifyAwsError } from './errors.js';

/**
 * SSM Run Command for the one script the bot ships (deploy/ssm/find-imdsv1-callers.sh): whether SSM
 * manages an instance (DescribeInstanceInformation, filter InstanceIds), SendCommand with
 * AWS-RunShellScript (the script's lines as `commands`, the watch bounded by the document's
 * executionTimeout; TimeoutSeconds is SSM's delivery timeout), and GetCommandInvocation. The IAM
 * policy (deploy/iam/remediation-policy.json) lets the bot send only AWS-RunShellScript, only to
 * instances tagged for it.
 */

export const SCRIPT_PATH = 'deploy/ssm/find-imdsv1-callers.sh';
const DOCUMENT = 'AWS-RunShellScript';
/** SSM's minimum delivery timeout is 30 s */
const DELIVERY_S = 60;
const TERMINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

/** The script, found from this module upwards (src/ in development, dist/src/ once built, /app in the image). */
export function loadFindCallersScript(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, SCRIPT_PATH);
    if (existsSync(candidate)) return readFileSync(candidate, 'utf8');
    if (dirname(dir) === dir)
      throw new CodedError('setup', `${SCRIPT_PATH} is missing: the find-caller script ships with the bot`);
  }
}

/** The script's lines for AWS-RunShellScript, its first setting the watch (the script reads $1). */
export const scriptCommands = (script: string, seconds: number): string[] => [
  `set -- ${Math.trunc(seconds)}`,
  ...script.split('\n'),
];

export function createInstanceCommands(ssm: SSMClient, script: string): InstanceCommands {
  return {
    async managed(instanceId): Promise<SsmManaged> {
      const out = await ssm
        .send(
          new DescribeInstanceInformationCommand({
            Filters: [{ Key: 'InstanceIds', Values: [instanceId] }],
          }),
        )
        .catch((err: unknown) => {
          throw classifyAwsError(err, `DescribeInstanceInformation ${instanceId}`);
        });
      const info = out.InstanceInformationList?.find((i) => i.InstanceId === instanceId);
      if (!info) return { managed: false, why: 'not-registered', pingStatus: null };
      if (info.PingStatus !== 'Online')
        return { managed: false, why: 'not-online', pingStatus: info.PingStatus ?? null };
      if (info.PlatformType !== undefined && info.PlatformType !== 'Linux')
        return {
          managed: false,
          why: 'not-online',
          pingStatus: `${info.PlatformType} (the script is for Linux)`,
        };
      return {
        managed: true,
        agentVersion: info.AgentVersion ?? null,
        platform: info.PlatformName ?? null,
      };
    },

    async sendFindCallers(instanceId, seconds, comment) {
      const out = await ssm
        .send(
          new SendCommandCommand({
            InstanceIds: [instanceId],
            DocumentName: DOCUMENT,
            Comment: comment.slice(0, 100),
            TimeoutSeconds: DELIVERY_S,
            Parameters: {
              commands: scriptCommands(script, seconds),
              executionTimeout: [String(Math.trunc(seconds) + 30)],
            },
          }),
        )
        .catch((err: unknown) => {
          throw classifyAwsError(err, `SendCommand ${instanceId}`);
        });
      const id = out.Command?.CommandId;
      if (!id) throw new CodedError('unexpected-response', `SendCommand ${instanceId}: no CommandId`);
      return id;
    },

    async invocation(commandId, instanceId): Promise<CommandProgress> {
      try {
        const out = await ssm.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
        );
        const status = out.Status ?? '';
        if (!TERMINAL.has(status)) return { status: 'pending' };
        return {
          status: 'done',
          outcome: status as 'Success' | 'Failed' | 'TimedOut' | 'Cancelled',
          stdout: out.StandardOutputContent ?? '',
          stderr: out.StandardErrorContent ?? '',
        };
      } catch (err) {
        const coded = classifyAwsError(err, `GetCommandInvocation ${commandId}`);
        if (coded.code === 'InvocationDoesNotExist') return { status: 'missing' };
        throw coded;
      }
    },
  };
}
