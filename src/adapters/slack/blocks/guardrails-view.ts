import type { KnownBlock, SectionBlock } from '@slack/types';
import type { AmiRow } from '../../../domain/guardrails/amis.js';
import type { GuardrailsView, ScopeGuardrails, TemplateRow } from '../../../domain/guardrails/view.js';
import { type GuardrailFix, guardrailFixActionId, guardrailFixValue } from '../actions.js';
import { bold, code, context, count, header, join, lines, type Mrkdwn, md, num, section } from '../text.js';
import { guardrailsBlocks } from './guardrails.js';

/**
 * `/imds guardrails`: the seed questions and the organization's protections (guardrails.ts), then
 * per account × region the account default and the launch templates whose launches allow IMDSv1,
 * each with a Fix button that files the existing fix-default / fix-template request, then the AMIs
 * without ImdsSupport v2.0 with their laggards. Every AWS name goes through `md`, which escapes it.
 * Within Block Kit's 50 blocks: the rows past the budget are counted, with the command that fixes one.
 */

const ROW_BLOCKS = 30;
const AMI_INSTANCES_SHOWN = 5;

const TOKENS_TEXT: Record<string, string> = {
  optional: 'optional (IMDSv1 allowed)',
  required: 'required',
  'no-preference': 'no preference (the AMI decides, else IMDSv1 allowed)',
};

function fixButton(fix: GuardrailFix, n: number, label: string) {
  return {
    type: 'button' as const,
    action_id: guardrailFixActionId(n),
    text: { type: 'plain_text' as const, text: label },
    value: guardrailFixValue(fix),
  };
}

const withButton = (text: Mrkdwn, button: ReturnType<typeof fixButton> | null): SectionBlock =>
  button ? { ...section(text), accessory: button } : section(text);

function defaultLine(s: ScopeGuardrails): Mrkdwn {
  const d = s.accountDefault;
  if (!d) return md`${bold(md`${s.accountId} / ${s.region}`)} — account default: not readable`;
  const owner =
    d.managedBy === 'declarative-policy'
      ? md` · set by a declarative policy${d.exceptionMessage ? md` (${d.exceptionMessage})` : md``}: change it in the organization`
      : md``;
  const icon = d.requiresTokens ? ':white_check_mark:' : ':warning:';
  return md`${icon} ${bold(md`${s.accountId} / ${s.region}`)} — account default HttpTokens: ${TOKENS_TEXT[d.httpTokens] ?? d.httpTokens}${owner}`;
}

function templateLine(t: TemplateRow): Mrkdwn {
  const version =
    t.which === 'default' ? md`default version ${t.version}` : md`version ${t.version} ($Latest or pinned)`;
  const tokens = t.httpTokens === null ? md`HttpTokens not set` : md`HttpTokens ${t.httpTokens}`;
  const groups =
    t.groups.length === 0
      ? md`no Auto Scaling group launches it`
      : md`launched by ${join(t.groups.slice(0, 10), ', ')}${t.groups.length > 10 ? md` and ${t.groups.length - 10} more` : md``}`;
  return md`   :arrow_right: template ${bold(t.name)} ${code(t.launchTemplateId)}, ${version}: ${tokens} — ${groups}`;
}

function amiLine(s: ScopeGuardrails, a: AmiRow): Mrkdwn {
  const name = a.described ? md`${a.name ?? a.imageId}` : md`not described (deregistered or not shared)`;
  const shown = a.instances.slice(0, AMI_INSTANCES_SHOWN).map((i) => code(i));
  const more =
    a.instances.length > AMI_INSTANCES_SHOWN
      ? md` and ${a.instances.length - AMI_INSTANCES_SHOWN} more`
      : md``;
  return md`:cd: ${s.accountId} / ${s.region}: AMI ${code(a.imageId)} ${name} has no ImdsSupport v2.0 — ${count(a.instances.length, 'laggard')}: ${join(shown, ', ')}${more}`;
}

interface Row {
  text: Mrkdwn;
  fix: GuardrailFix | null;
}

function scopeRows(s: ScopeGuardrails): Row[] {
  const where = { accountId: s.accountId, region: s.region };
  const rows: Row[] = [
    { text: defaultLine(s), fix: s.accountDefault?.fixable ? { kind: 'fix-default', ...where } : null },
  ];
  // one Fix per template: the fix makes a new default version requiring tokens (the new $Latest too)
  const fixed = new Set<string>();
  for (const t of s.templates) {
    const first = !fixed.has(t.launchTemplateId);
    fixed.add(t.launchTemplateId);
    rows.push({
      text: templateLine(t),
      fix: first ? { kind: 'fix-template', ...where, launchTemplateId: t.launchTemplateId } : null,
    });
  }
  if (s.missing.length > 0)
    rows.push({ text: md`   :jigsaw: not read by the last scan here: ${s.missing.join(', ')}`, fix: null });
  return rows;
}

/**
 * Scopes with something to fix first, a Fix button per row; fully guarded scopes are counted, not
 * listed. `/imds guardrails` and App Home (for those who may file the fixes) both show these.
 */
export function guardrailRowBlocks(view: GuardrailsView): KnownBlock[] {
  const open = view.scopes.filter(
    (s) => !s.accountDefault?.requiresTokens || s.templates.length > 0 || s.missing.length > 0,
  );
  const rows = open.flatMap(scopeRows);
  const shown = rows.slice(0, ROW_BLOCKS);
  const blocks: KnownBlock[] = shown.map((r, n) =>
    withButton(
      r.text,
      r.fix ? fixButton(r.fix, n, r.fix.kind === 'fix-default' ? 'Fix default' : 'Fix template') : null,
    ),
  );
  const guarded = view.scopes.length - open.length;
  const notes = [
    rows.length > shown.length &&
      md`…and ${count(rows.length - shown.length, 'more row')}: ${code('/imds fix-template <account-id> <region> <lt-id>')} or ${code('/imds fix-default <account-id> <region>')} files one.`,
    guarded > 0 &&
      md`${count(guarded, 'account × region', 'account × regions')} fully guarded (default requires IMDSv2, no template allows IMDSv1).`,
  ];
  if (notes.some(Boolean)) blocks.push(context(lines(...notes)));
  return blocks;
}

function amiBlocks(view: GuardrailsView): KnownBlock[] {
  const rows = view.scopes.flatMap((s) => s.amis.map((a) => amiLine(s, a)));
  if (rows.length === 0) return [];
  return [
    section(
      lines(
        md`${bold('AMIs without ImdsSupport v2.0')} — new instances from them start with IMDSv1 unless the launch template or the account default says otherwise:`,
        ...rows.slice(0, 15),
        rows.length > 15 && md`…and ${count(rows.length - 15, 'more AMI')}`,
      ),
    ),
  ];
}

function questionsWithoutOrg(view: GuardrailsView): KnownBlock[] {
  const q = view.questions;
  return [
    header('IMDS guardrails'),
    section(
      lines(
        md`${bold('Instances allowing IMDSv1:')} ${num(q.instancesAllowingV1)}`,
        md`${bold('SCP blocking IMDSv1 launches:')} not known — this workflow does not scan an organization (the policies are read in organizations mode)`,
        md`${bold('New launches configured for IMDSv2:')} ${num(q.scopesRequiringTokens)} of ${count(q.scopes, 'account × region', 'account × regions')}`,
      ),
    ),
  ];
}

export function guardrailsMessage(view: GuardrailsView): { text: string; blocks: KnownBlock[] } {
  const q = view.questions;
  const top = view.organization
    ? [
        ...guardrailsBlocks(view.organization, q),
        ...(view.organization.unreadable.length > 0
          ? [context(md`Not readable at the last scan: ${view.organization.unreadable.join('; ')}`)]
          : []),
      ]
    : questionsWithoutOrg(view);
  const templates = md`${bold('Launch templates allowing IMDSv1:')} ${num(q.templatesAllowingV1)}`;
  const blocks: KnownBlock[] = [
    ...top,
    { type: 'divider' },
    section(templates),
    ...guardrailRowBlocks(view),
    ...amiBlocks(view),
  ];
  return {
    text: `IMDS guardrails: ${q.instancesAllowingV1} instances allow IMDSv1, ${q.scopesRequiringTokens} of ${q.scopes} account × regions default to IMDSv2`,
    blocks,
  };
}

/** The guardrails section of `/imds report` and of App Home: the seed questions, and where to fix. */
export function guardrailsSummary(view: GuardrailsView): Mrkdwn {
  const q = view.questions;
  const scp =
    q.accountsWithLaunchScp === null
      ? md`not known (no organization scanned)`
      : md`${num(q.accountsWithLaunchScp)} of ${count(q.accounts ?? 0, 'account')}`;
  const bare = view.organization ? view.organization.unprotectedOus.length : null;
  const amis = view.scopes.reduce((n, s) => n + s.amis.length, 0);
  return lines(
    bold('Guardrails'),
    md`• Instances allowing IMDSv1: ${num(q.instancesAllowingV1)}`,
    md`• SCP blocking IMDSv1 launches: ${scp}${bare === null ? md`` : md`; ${count(bare, 'OU')} with no protection`}`,
    md`• New launches configured for IMDSv2: ${num(q.scopesRequiringTokens)} of ${count(q.scopes, 'account × region', 'account × regions')}; ${count(q.templatesAllowingV1, 'launch template')} still allow IMDSv1`,
    amis > 0 && md`• ${count(amis, 'AMI')} without ImdsSupport v2.0 in use by laggards`,
    md`${code('/imds guardrails')} lists them with a Fix button each.`,
  );
}
