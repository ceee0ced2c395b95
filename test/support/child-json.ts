import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** `node --import tsx <script> <args>` from the working directory; stdout piped, stderr shown. */
export function spawnTsx(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The first line the process writes on stdout, parsed as JSON and checked by `schema`. */
export async function firstJsonLine<T>(child: ChildProcess, schema: { parse(data: unknown): T }): Promise<T> {
  if (!child.stdout) throw new Error('no stdout');
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return schema.parse(JSON.parse(line));
}

/** Sends SIGTERM; the exit code once the process has gone. */
export async function terminate(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

/** SIGKILLs the process if it still runs (for afterEach, after a failed test). */
export function killIfRunning(child: ChildProcess | undefined): void {
  if (child?.exitCode === null) child.kill('SIGKILL');
}
