import type { ScanError } from '../../../domain/findings/model.js';
import { bold, join, type Mrkdwn, md } from '../text.js';

/**
 * What a scan could not read, for Slack: the scopes that failed (their instances are missing from
 * every figure) and the parts missing from scopes whose instances were kept. Null when complete.
 */

const SHOWN = 5;

const PART_NAMES: Record<ScanError['stage'], string> = {
  credentials: 'credentials',
  regions: 'regions',
  inventory: 'instances',
  usage: 'IMDSv1 usage',
  'launch-templates': 'launch templates',
  'auto-scaling': 'Auto Scaling groups',
  'account-default': 'account default',
  images: 'AMIs',
  'organization-policies': 'organization policies',
  internal: 'internal',
};

const where = (e: ScanError): string => `${e.accountId}/${e.region ?? 'all regions'}`;

/** `111111111111/eu-west-1: account default (NonAwsResponse), IMDSv1 usage (AccessDenied)`, first few scopes. */
function byScope(errors: readonly ScanError[]): { text: Mrkdwn; scopes: number } {
  const scopes = new Map<string, Set<string>>();
  for (const e of errors)
    scopes.set(where(e), (scopes.get(where(e)) ?? new Set()).add(`${PART_NAMES[e.stage]} (${e.code})`));
  const shown = [...scopes].slice(0, SHOWN).map(([scope, parts]) => md`${scope}: ${[...parts].join(', ')}`);
  const more = scopes.size > SHOWN ? md` and ${scopes.size - SHOWN} more` : md``;
  return { text: md`${join(shown, '; ')}${more}`, scopes: scopes.size };
}

/** The first line of a scan's summary when scopes failed; null when none did. */
export function failedLine(
  scopes: { scanned: number; partial: number; failed: number },
  errors: readonly ScanError[],
): Mrkdwn | null {
  if (scopes.failed === 0) return null;
  const total = scopes.scanned + scopes.partial + scopes.failed;
  const { text } = byScope(errors.filter((e) => !e.partial));
  return md`:warning: ${bold('Incomplete:')} ${scopes.failed} of ${total} scope(s) could not be read and are missing from every figure: ${text}.`;
}

/** The parts missing from scopes whose instances were kept; null when none is. */
export function partialLine(errors: readonly ScanError[]): Mrkdwn | null {
  const partial = errors.filter((e) => e.partial);
  if (partial.length === 0) return null;
  const { text, scopes } = byScope(partial);
  return md`:jigsaw: ${scopes} scope(s) read without some parts (their instances are counted): ${text}.`;
}
