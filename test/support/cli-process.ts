import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * `imds-bot <args>` as its own process. `untilStderr`: once stderr matches, the process is sent
 * SIGTERM (for `worker`/`serve`, which otherwise run until stopped).
 */
export function runCli(
  env: Record<string, string>,
  args: string[],
  opts: { untilStderr?: RegExp } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env });
    let stdout = '';
    let stderr = '';
    let stopped = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stopped || !opts.untilStderr?.test(stderr)) return;
      stopped = true; // once: a second SIGTERM would end it before its graceful stop
      child.kill('SIGTERM');
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
