/**
 * The names a change's STS session carries, so that CloudTrail in the member account shows who
 * approved each change and which request it was. AWS STS API reference, AssumeRole:
 * RoleSessionName and SourceIdentity are each 2-64 characters of [\w+=,.@-] (ASCII letters,
 * digits, underscore and + = , . @ -); a SourceIdentity may not start with `aws:` (no `:` survives
 * here). A SourceIdentity cannot be changed for the life of the session, and it carries over to
 * any role the session assumes in turn.
 *
 *   SourceIdentity   <approver's Slack user id>+<approver's name>@<request id>
 *                    e.g. U024BE7LH+jane.doe@cr-0a1b2c3d4e5f
 *   RoleSessionName  <session prefix>.<request id>.<approver's Slack user id>
 *                    e.g. imds-bot.cr-0a1b2c3d4e5f.U024BE7LH
 *
 * Sanitizing (Slack user ids are [A-Z0-9] already, but nothing read from Slack is trusted): accents
 * are dropped (NFKD, combining marks removed: "José" -> "Jose"), whitespace becomes `.`, every other
 * character outside [A-Za-z0-9_.-] becomes `_` (so `+`, `@`, `=` and `,` only ever appear as our
 * separators), a run of `_`/`.` becomes its first character and the ends are trimmed. The user id and the request id
 * always fit: when the whole is too long, the name is shortened first, and left out if nothing fits.
 */

const MAX = 64;

/** One part of a name: only [A-Za-z0-9_.-], no separators, never empty ('unknown'). */
export function stsPart(text: string): string {
  const cleaned = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/\s+/g, '.')
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/[._]{2,}/g, (run) => run.charAt(0))
    .replace(/^[._-]+|[._-]+$/g, '');
  return cleaned === '' ? 'unknown' : cleaned;
}

export interface ChangeBy {
  requestId: string;
  /** the approver whose approval released the change (the requester when none is recorded) */
  approver: { userId: string; name: string };
}

export interface ChangeSessionNames {
  sessionName: string;
  sourceIdentity: string;
}

const clip = (text: string, max: number): string => text.slice(0, max).replace(/[._-]+$/, '');

export function changeSessionNames(prefix: string, by: ChangeBy): ChangeSessionNames {
  const rid = clip(stsPart(by.requestId), 40);
  const uid = clip(stsPart(by.approver.userId), MAX - rid.length - 1);
  const name = stsPart(by.approver.name);
  const room = MAX - uid.length - rid.length - 2;
  const shortName = room >= 2 ? clip(name, room) : '';
  const sourceIdentity = shortName === '' ? `${uid}@${rid}` : `${uid}+${shortName}@${rid}`;
  const sessionName = clip(`${stsPart(prefix)}.${rid}.${uid}`, MAX);
  return { sessionName, sourceIdentity };
}
