import { z } from 'zod';

/**
 * The report of deploy/ssm/find-imdsv1-callers.sh (report v1, tab-separated, described in the
 * script), read back from SSM's StandardOutputContent: which processes made IMDSv1 calls. Everything
 * in it came from the instance (process names, command lines, paths): data, escaped where shown.
 * A line that does not fit is counted, never trusted. Pure.
 */

/**
 * The tag an instance carries when its owner lets the bot look for the caller on it: the IAM policy
 * (deploy/iam/find-caller-policy.json) allows ssm:SendCommand only on instances tagged so.
 */
export const FIND_CALLER_TAG = { key: 'ImdsBotFindCaller', value: 'true' } as const;

export const Caller = z.object({
  /** null: the socket closed before the script saw its owner */
  pid: z.number().int().positive().nullable(),
  v1: z.number().int().nonnegative(),
  v2: z.number().int().nonnegative(),
  process: z.string().nullable(),
  lastPath: z.string(),
  commandLine: z.string().nullable(),
});
export type Caller = z.infer<typeof Caller>;

export type CallerReport =
  | {
      status: 'ok';
      windowSeconds: number;
      requests: number;
      withoutToken: number;
      callers: Caller[];
      /** lines that were not part of the format */
      unreadLines: number;
      /** the output ended before `end`: SSM cut it, or the script died */
      truncated: boolean;
    }
  | { status: 'unavailable'; reason: string }
  | { status: 'unreadable'; reason: string };

const FIELD_MAX = 300;
const dash = (s: string | undefined): string | null =>
  s === undefined || s === '-' || s === '' ? null : s.slice(0, FIELD_MAX);
const int = (s: string | undefined): number | null =>
  s !== undefined && /^\d{1,9}$/.test(s) ? Number(s) : null;

function callerOf(f: readonly string[]): Caller | null {
  const [, pid, v1, v2, process, path, cmd] = f;
  const calls = int(v1);
  const ok = int(v2);
  if (calls === null || ok === null || (pid !== '-' && int(pid) === null)) return null;
  return {
    pid: pid === '-' ? null : int(pid),
    v1: calls,
    v2: ok,
    process: dash(process),
    lastPath: (path ?? '').slice(0, FIELD_MAX),
    commandLine: dash(cmd),
  };
}

export function parseCallerReport(stdout: string): CallerReport {
  const rows = stdout.split(/\r?\n/).filter((l) => l.trim() !== '');
  const start = rows.indexOf('imds-v1-callers\t1');
  if (start < 0) return { status: 'unreadable', reason: 'the output is not a find-imdsv1-callers v1 report' };
  const report = { windowSeconds: 0, requests: 0, withoutToken: 0, callers: [] as Caller[] };
  let unread = 0;
  let ended = false;
  for (const row of rows.slice(start + 1)) {
    const f = row.split('\t');
    if (f[0] === 'status' && f[1] === 'unavailable')
      return { status: 'unavailable', reason: (f[2] ?? 'no reason given').slice(0, FIELD_MAX) };
    if (f[0] === 'end') {
      ended = true;
      break;
    }
    const caller = f[0] === 'caller' ? callerOf(f) : null;
    if (caller) report.callers.push(caller);
    else if (f[0] === 'window' && int(f[1]) !== null) report.windowSeconds = int(f[1]) ?? 0;
    else if (f[0] === 'requests' && int(f[1]) !== null && int(f[2]) !== null) {
      report.requests = int(f[1]) ?? 0;
      report.withoutToken = int(f[2]) ?? 0;
    } else if (!(f[0] === 'status' && f[1] === 'ok')) unread++;
  }
  return { status: 'ok', ...report, unreadLines: unread, truncated: !ended };
}
