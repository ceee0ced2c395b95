import type { Anchor } from '../../domain/change/audit-anchors.js';
import type { AnchorLog, AuditLog } from '../../domain/ports/audit.js';

export interface AnchorDeps {
  audit: Pick<AuditLog, 'head'>;
  /** null when the workflow sets no audit.anchorFile */
  file: AnchorLog | null;
  /** posts to the security channel; null without Slack */
  post: ((text: string) => Promise<void>) | null;
  now: () => Date;
}

/**
 * Writes the chain's head (sequence number and hash) outside Redis: appended to the anchor file
 * and posted to the security channel. Null when the chain is empty (nothing to prove yet).
 */
export async function anchorAudit(deps: AnchorDeps): Promise<Anchor | null> {
  const head = await deps.audit.head();
  if (!head) return null;
  const anchor: Anchor = { at: deps.now().toISOString(), seq: head.seq, hash: head.hash };
  await deps.file?.append(anchor);
  await deps.post?.(
    `:anchor: Audit anchor: entry #${anchor.seq}, hash \`${anchor.hash}\` (${anchor.at}). \`imds-bot audit verify\` checks the chain against it.`,
  );
  return anchor;
}
