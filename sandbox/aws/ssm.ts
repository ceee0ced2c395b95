/**
 * Systems Manager as the emulator holds it: which instances run the SSM Agent (managed, with a
 * ping status and agent version), and Run Command invocations. The emulator runs no script: a test
 * says what an instance answers (`respond`), by default success with no output. An invocation is
 * Pending, then InProgress, then its outcome once `runMs` has passed on the emulator clock; a
 * script that runs past its executionTimeout ends TimedOut. Instances the fleet knows to call
 * IMDSv1 answer the find-imdsv1-callers script with a canned report (ssm-analyzer.ts).
 */

export type PingStatus = 'Online' | 'ConnectionLost' | 'Inactive';

export interface ManagedInstance {
  instanceId: string;
  accountId: string;
  region: string;
  pingStatus: PingStatus;
  agentVersion: string;
  platformType: 'Linux' | 'Windows' | 'MacOS';
  platformName: string;
  lastPingAt: number;
}

export interface RunOutcome {
  status: 'Success' | 'Failed';
  responseCode: number;
  stdout: string;
  stderr: string;
  /** how long the script runs; default ssm.runMs */
  durationMs?: number;
}

export type Responder = (commands: readonly string[]) => RunOutcome;

export interface Invocation {
  commandId: string;
  instanceId: string;
  accountId: string;
  region: string;
  documentName: string;
  commands: string[];
  comment: string;
  /** the document's executionTimeout: a script running longer ends TimedOut */
  timeoutSeconds: number;
  requestedAt: number;
  outcome: RunOutcome;
}

export class SsmModel {
  /** how long a script runs unless its outcome says */
  runMs = 1000;
  /** how long a sent command is not yet visible to GetCommandInvocation (AWS: InvocationDoesNotExist) */
  propagationMs = 0;
  private readonly managed = new Map<string, ManagedInstance>();
  private readonly responders = new Map<string, Responder>();
  /** what an instance without its own responder answers (the fleet's canned packet analyzer); null: the default */
  fallback: ((instanceId: string, commands: readonly string[]) => RunOutcome | null) | null = null;
  private readonly invocations: Invocation[] = [];
  private sequence = 0;

  manage(
    input: Pick<ManagedInstance, 'instanceId' | 'accountId' | 'region'> & Partial<ManagedInstance>,
  ): void {
    this.managed.set(input.instanceId, {
      pingStatus: 'Online',
      agentVersion: '3.3.1142.0',
      platformType: 'Linux',
      platformName: 'Amazon Linux',
      lastPingAt: 0,
      ...input,
    });
  }

  respond(instanceId: string, responder: Responder): void {
    this.responders.set(instanceId, responder);
  }

  managedIn(accountId: string, region: string): ManagedInstance[] {
    return [...this.managed.values()].filter((m) => m.accountId === accountId && m.region === region);
  }

  instance(instanceId: string): ManagedInstance | undefined {
    return this.managed.get(instanceId);
  }

  send(
    input: Omit<Invocation, 'commandId' | 'outcome' | 'instanceId'>,
    instanceIds: readonly string[],
  ): string {
    const commandId = `${(++this.sequence).toString(16).padStart(8, '0')}-0000-4000-8000-${'0'.repeat(12)}`;
    for (const instanceId of instanceIds) {
      const responder = this.responders.get(instanceId);
      const outcome = responder
        ? responder(input.commands)
        : (this.fallback?.(instanceId, input.commands) ?? {
            status: 'Success' as const,
            responseCode: 0,
            stdout: '',
            stderr: '',
          });
      this.invocations.push({ ...input, commandId, instanceId, outcome });
    }
    return commandId;
  }

  invocation(commandId: string, instanceId: string): Invocation | undefined {
    return this.invocations.find((i) => i.commandId === commandId && i.instanceId === instanceId);
  }

  /** The status at `now`, and when it ran, as GetCommandInvocation tells it. */
  statusAt(i: Invocation, now: number): { status: string; startedAt: number | null; endedAt: number | null } {
    const startedAt = i.requestedAt + this.propagationMs;
    const duration = i.outcome.durationMs ?? this.runMs;
    const timeoutAt = startedAt + i.timeoutSeconds * 1000;
    if (now < startedAt) return { status: 'Pending', startedAt: null, endedAt: null };
    if (duration > i.timeoutSeconds * 1000 && now >= timeoutAt)
      return { status: 'TimedOut', startedAt, endedAt: timeoutAt };
    if (now < startedAt + duration) return { status: 'InProgress', startedAt, endedAt: null };
    return { status: i.outcome.status, startedAt, endedAt: startedAt + duration };
  }
}
