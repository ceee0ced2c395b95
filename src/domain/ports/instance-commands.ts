/** Ports of SSM Run Command, for the find-caller script only. */

/** Whether SSM can run a command on an instance now (DescribeInstanceInformation). */
export type SsmManaged =
  | { managed: true; agentVersion: string | null; platform: string | null }
  | { managed: false; why: 'not-registered' | 'not-online'; pingStatus: string | null };

/** One look at a Run Command invocation; 'missing' while SSM does not show it yet. */
export type CommandProgress =
  | { status: 'missing' }
  | { status: 'pending' }
  | {
      status: 'done';
      outcome: 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
      stdout: string;
      stderr: string;
    };

/**
 * SSM Run Command in one account x region, for the one read-only script the bot ships
 * (deploy/ssm/find-imdsv1-callers.sh); it can run nothing else.
 */
export interface InstanceCommands {
  managed(instanceId: string): Promise<SsmManaged>;
  /** sends the script for `seconds` of watching, bounded by SSM's TimeoutSeconds; the command id */
  sendFindCallers(instanceId: string, seconds: number, comment: string): Promise<string>;
  invocation(commandId: string, instanceId: string): Promise<CommandProgress>;
}
