import type { Finding } from '../../domain/findings/model.js';
import { code, type Message, say } from '../../domain/message.js';
import type { ChangeFindings } from '../../domain/ports/findings.js';

/**
 * After a change the stored finding says so at once (each target's noteApplied): a second Enforce
 * or a snooze is refused now, not after the next scan.
 */

/** "already requires IMDSv2 since …" for an instance that needs nothing more, or null. */
export async function alreadyRequired(
  findings: Pick<ChangeFindings, 'instanceChange'>,
  f: Finding,
): Promise<Message | null> {
  if (f.httpTokens !== 'required') return null;
  const change = await findings.instanceChange(f, f.instanceId);
  const since =
    change?.httpTokens === 'required'
      ? `since ${change.at.slice(0, 16).replace('T', ' ')} UTC (${change.requestId})`
      : 'since before the last scan';
  return say`${code(f.instanceId)} already requires IMDSv2 ${since}: nothing to do.`;
}
