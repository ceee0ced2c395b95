import type { GuardrailsView } from '../domain/guardrails/view.js';
import { terminalSafe } from '../domain/untrusted.js';

/**
 * The guardrails section of the CLI report (and `imds-bot guardrails`): the seed questions, the
 * account × regions and templates that let new instances allow IMDSv1 with the groups launching
 * them, the AMIs without ImdsSupport v2.0, and the organization's coverage. Every name from AWS is
 * made terminal-safe.
 */

const SHOWN = 50;

function questions(v: GuardrailsView): string[] {
  const q = v.questions;
  const scp =
    q.accountsWithLaunchScp === null
      ? 'not known (the workflow does not scan an organization)'
      : `${q.accountsWithLaunchScp} of ${q.accounts} accounts`;
  return [
    `Instances allowing IMDSv1: ${q.instancesAllowingV1}`,
    `SCP blocking IMDSv1 launches: ${scp}`,
    `New launches configured for IMDSv2 (account default): ${q.scopesRequiringTokens} of ${q.scopes} account x regions`,
    `Launch templates allowing IMDSv1: ${q.templatesAllowingV1}`,
  ];
}

function scopeLines(v: GuardrailsView): string[] {
  const out: string[] = [];
  for (const s of v.scopes) {
    const d = s.accountDefault;
    const open = !d?.requiresTokens || s.templates.length > 0;
    if (!open && s.missing.length === 0) continue;
    const def = d
      ? `default HttpTokens ${d.httpTokens}${d.managedBy === 'declarative-policy' ? ' (declarative policy)' : ''}${d.fixable ? `  fix: /imds fix-default ${s.accountId} ${s.region}` : ''}`
      : 'default unreadable';
    out.push(`  ${s.accountId}/${s.region}: ${def}`);
    for (const t of s.templates)
      out.push(
        `    template ${t.name} ${t.launchTemplateId} v${t.version} (${t.which}): HttpTokens ${t.httpTokens ?? 'not set'}; groups: ${t.groups.join(', ') || 'none'}`,
      );
    if (s.missing.length > 0) out.push(`    not read by the last scan here: ${s.missing.join(', ')}`);
  }
  return out;
}

export function guardrailsLines(v: GuardrailsView): string[] {
  const out = ['', 'Guardrails', ...questions(v).map((l) => `  ${l}`)];
  const scopes = scopeLines(v);
  if (scopes.length > 0)
    out.push('', 'Account x regions where new instances may allow IMDSv1:', ...scopes.slice(0, SHOWN));
  if (scopes.length > SHOWN) out.push(`  …and ${scopes.length - SHOWN} more lines`);
  const amis = v.scopes.flatMap((s) =>
    s.amis.map(
      (a) =>
        `  ${s.accountId}/${s.region} ${a.imageId} ${a.described ? (a.name ?? '') : '(not described)'}: ${a.instances.length} laggard(s) ${a.instances.slice(0, 5).join(' ')}${a.instances.length > 5 ? ' …' : ''}`,
    ),
  );
  if (amis.length > 0)
    out.push(
      '',
      'AMIs without ImdsSupport v2.0 (new instances from them start with IMDSv1 unless the template or default says otherwise):',
      ...amis.slice(0, SHOWN),
    );
  const org = v.organization;
  if (org) {
    out.push('', `Organization policies (read ${org.readAt}):`);
    for (const a of org.accounts) {
      const kinds = [...new Set(a.protections.map((p) => p.kind))];
      out.push(
        `  ${a.name} (${a.accountId}): ${kinds.length > 0 ? kinds.join(', ') : 'no protection'}${a.declarativeRequiresTokens ? '; declarative default required' : ''}`,
      );
    }
    out.push(
      `  OUs with no protection: ${org.unprotectedOus.map((o) => `${o.name} (${o.id})`).join(', ') || 'none'}`,
    );
    for (const u of org.unreadable) out.push(`  not readable: ${u}`);
  }
  return out.map(terminalSafe);
}
