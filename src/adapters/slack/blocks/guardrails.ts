import type { KnownBlock } from '@slack/types';
import type { OrgCoverage } from '../../../domain/guardrails/coverage.js';
import type { ProtectionKind } from '../../../domain/guardrails/scp.js';
import { bold, count, header, join, lines, md, num, section } from '../text.js';

/**
 * The organization part of `/imds guardrails` and of the report's guardrails section: the seed
 * questions answered in one place (how many instances allow IMDSv1, is an SCP blocking it, are new
 * launches configured for IMDSv2), then which accounts each protection covers and the OUs with
 * none. Every name from AWS (accounts, OUs, policies) goes through `md`, which escapes it.
 */

export interface GuardrailQuestions {
  /** instances that still accept IMDSv1 (laggards), from the last scan */
  instancesAllowingV1: number;
  /** account × region scopes whose default or declarative policy makes new launches require tokens */
  scopesRequiringTokens: number;
  scopes: number;
}

const KIND_LABEL: Record<ProtectionKind, string> = {
  'launch-requires-tokens': 'launch requires IMDSv2',
  'modify-restricted': 'metadata options locked',
  'role-delivery-v2': 'IMDSv1 role credentials refused',
  'hop-limit-max': 'hop limit capped',
};

const SHOWN = 20;

export function guardrailsBlocks(coverage: OrgCoverage, q: GuardrailQuestions): KnownBlock[] {
  const blocked = coverage.accounts.filter((a) =>
    a.protections.some((p) => p.kind === 'launch-requires-tokens'),
  );
  const answers = lines(
    md`${bold('Instances allowing IMDSv1:')} ${num(q.instancesAllowingV1)}`,
    md`${bold('SCP blocking IMDSv1 launches:')} ${num(blocked.length)} of ${count(coverage.accounts.length, 'account')}`,
    md`${bold('New launches configured for IMDSv2:')} ${num(q.scopesRequiringTokens)} of ${count(q.scopes, 'account × region', 'account × regions')}`,
  );
  const rows = coverage.accounts.slice(0, SHOWN).map((a) => {
    const kinds = [...new Set(a.protections.map((p) => KIND_LABEL[p.kind]))];
    const breakGlass = a.protections.flatMap((p) => p.exceptions);
    return md`${a.name} (${a.accountId}): ${kinds.length === 0 ? 'no protection' : join(kinds, ', ')}${
      breakGlass.length > 0 ? md` · break-glass: ${join([...new Set(breakGlass)], '; ')}` : ''
    }${a.declarativeRequiresTokens ? ' · declarative default: required' : ''}`;
  });
  const more =
    coverage.accounts.length > SHOWN
      ? md`…and ${count(coverage.accounts.length - SHOWN, 'more account')}`
      : null;
  const bare =
    coverage.unprotectedOus.length === 0
      ? md`Every OU has a protection.`
      : md`${bold('OUs with no protection:')} ${join(
          coverage.unprotectedOus.slice(0, SHOWN).map((o) => md`${o.name} (${o.id})`),
          ', ',
        )}`;
  const errors = coverage.errors.map(
    (e) => md`Policy ${e.policyName} (${e.policyId}) could not be read: ${e.error}`,
  );
  return [
    header('IMDS guardrails'),
    section(answers),
    section(lines(...rows, more)),
    section(bare),
    ...(errors.length > 0 ? [section(lines(...errors))] : []),
  ];
}
