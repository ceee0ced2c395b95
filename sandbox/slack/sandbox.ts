import type { AppTarget } from './deliver.js';

/**
 * What the sandbox page needs beyond the fake Slack's state: where the bot listens, who the demo
 * users are, which modals were closed and the errors a submission got, and the controls that
 * the process running the bot provides (clock, emulator, audit export).
 */
export interface SandboxControls {
  clock?: {
    now(): Date;
    offsetMs(): number;
    targets: { id: string; label: string }[];
    /** moves the clock to the target (next scan, digest, snooze wake-up, request expiry) and runs it */
    advance(id: string): Promise<string>;
  };
  emulator?: {
    instances(): Promise<{ id: string; label: string }[]> | { id: string; label: string }[];
    /** the emulator's view of an instance: metadata options, MetadataNoToken calls */
    describe(id: string): Promise<string | undefined> | string | undefined;
  };
  auditCsv?(): Promise<string>;
}

export interface SlashCommandInfo {
  name: string;
  description: string;
  usage_hint: string;
}

export class Sandbox {
  target: AppTarget | null = null;
  controls: SandboxControls = {};
  /** demo users and their role, in the switcher's order */
  roles = new Map<string, string>();
  readonly closed = new Set<string>();
  readonly errors = new Map<string, Record<string, string>>();
  botName = 'imds-bot';
  command: SlashCommandInfo = {
    name: '/imds',
    description: 'IMDSv2 migration',
    usage_hint: 'help',
  };
  private readonly listeners = new Set<() => void>();

  /** Something the page shows changed. */
  changed(): void {
    for (const l of this.listeners) l();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** What `fake.sandbox` offers the process that runs the bot. */
export interface SandboxHandle {
  /** page URL: http://127.0.0.1:<port>/ */
  url: string;
  connectApp(target: AppTarget): void;
  setControls(controls: SandboxControls): void;
  setDemoUsers(roles: ReadonlyMap<string, string> | Record<string, string>): void;
  setCommand(command: SlashCommandInfo): void;
}

export function sandboxHandle(sb: Sandbox, baseUrl: string): SandboxHandle {
  return {
    url: `${baseUrl}/`,
    connectApp: (target) => {
      sb.target = target;
    },
    setControls: (controls) => {
      sb.controls = controls;
      sb.changed();
    },
    setDemoUsers: (roles) => {
      sb.roles = new Map(roles instanceof Map ? roles : Object.entries(roles));
      sb.changed();
    },
    setCommand: (command) => {
      sb.command = command;
    },
  };
}
