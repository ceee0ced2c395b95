import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** The line sandbox/aws/main.ts prints once it listens. */
export interface EmulatorLine {
  url: string;
  accounts: { id: string; roleArn: string; externalId?: string }[];
  regions: string[];
}

/**
 * The AWS emulator in a process of its own (`tsx sandbox/aws/main.ts <flags>`), so that its CPU
 * is not counted as the measured process's; resolves once it prints where it listens.
 */
export async function startEmulatorProcess(
  flags: string[],
): Promise<{ child: ChildProcess; info: EmulatorLine }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/aws/main.ts', ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (!child.stdout) throw new Error('emulator has no stdout');
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  return { child, info: JSON.parse(String(first.value)) as EmulatorLine };
}
