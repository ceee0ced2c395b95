import type { RunOutcome } from './ssm.js';
import type { InstanceRecord } from './types.js';

/**
 * The emulator's stand-in for deploy/ssm/find-imdsv1-callers.sh: the report (format v1, described in
 * the script) an instance would give, from what the fleet knows of its IMDSv1 use. An instance whose
 * usage model still makes calls (and does not require tokens) names one legacy process; any other
 * reports no IMDSv1 request. Commands that are not that script get no canned answer (null).
 */

const MARKER = 'imds-bot find-imdsv1-callers';

const secondsOf = (commands: readonly string[]): number => {
  const m = /^set -- (\d+)$/.exec(commands[0] ?? '');
  return m?.[1] ? Number(m[1]) : 60;
};

/** a pid that stays the same for an instance */
const pidOf = (instanceId: string): number =>
  1000 + ([...instanceId].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 30_000, 7) % 30_000);

export function analyzerOutcome(
  instance: InstanceRecord | undefined,
  commands: readonly string[],
  now: number,
): RunOutcome | null {
  if (!commands.some((c) => c.includes(MARKER))) return null;
  const seconds = secondsOf(commands);
  const u = instance?.usage;
  const calling =
    instance !== undefined &&
    instance.metadata.httpTokens !== 'required' &&
    u?.kind === 'calls' &&
    (u.until === null || u.until > now);
  const v1 = calling ? Math.max(1, Math.round((u.callsPerHour * seconds) / 3600)) : 0;
  const rows = [
    'imds-v1-callers\t1',
    'status\tok',
    `window\t${seconds}`,
    `requests\t${v1 + 2}\t${v1}`,
    ...(calling && instance
      ? [
          `caller\t${pidOf(instance.instanceId)}\t${v1}\t0\tpython2.7\t/latest/meta-data/iam/security-credentials/app\tpython2.7 /opt/legacy/agent.py --poll`,
        ]
      : []),
    'end',
  ];
  return { status: 'Success', responseCode: 0, stdout: `${rows.join('\n')}\n`, stderr: '' };
}
