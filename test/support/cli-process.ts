import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** true when the safety-net timer had to SIGKILL it: it hung */
  killed: boolean;
}

/**
 * `imds-bot <args>` as its own process. `untilStderr`: once stderr matches, the process is sent
 * SIGTERM (for `worker`/`serve`, which otherwise run until stopped). `killAfterMs` is a safety
 * net: a hang ends with `killed: true` instead of stalling the run. `closeStdout`: the reader goes
 * away at once, as `| head` does.
 */
export function runCli(
  env: Record<string, string>,
  args: string[],
  opts: {
    untilStderr?: RegExp;
    killAfterMs?: number;
    closeStdout?: boolean;
    /** called with all of stderr so far, each time more arrives */
    onStderr?: (stderr: string) => void;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { env });
    let stdout = '';
    let stderr = '';
    let stopped = false;
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.killAfterMs ?? 50_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    if (opts.closeStdout) child.stdout.destroy();
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr);
      if (stopped || !opts.untilStderr?.test(stderr)) return;
      stopped = true; // once: a second SIGTERM would end it before its graceful stop
      child.kill('SIGTERM');
    });
    child.once('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, killed });
    });
  });
}
