import type { GuardrailsView } from '../domain/guardrails/view.js';
import { csvCell } from './format.js';
import { guardrailsJson } from './guardrails-json.js';
import { guardrailsLines } from './guardrails-text.js';

/**
 * `imds-bot guardrails` in its three formats. table: the report's guardrails section; json: the
 * stable object of guardrails-json.ts; csv: one row per fact, its `kind` saying which:
 *   account-default  one per account × region (also when unreadable: httpTokens empty, note says so)
 *   template         one per template version whose launches allow IMDSv1
 *   ami              one per AMI without ImdsSupport v2.0 that laggards run
 *   org-account      one per account of the organization, with the protections that apply to it
 *   org-unprotected-ou  one per OU (or root) under which nothing protects
 *   org-unreadable   one per organization part the scan could not read
 * Cells go through csvCell (RFC 4180 quoting, formula guard); lists are joined with ';'. Pure.
 */

export const GUARDRAILS_FORMATS = ['table', 'json', 'csv'] as const;
export type GuardrailsFormat = (typeof GUARDRAILS_FORMATS)[number];

export const GUARDRAILS_CSV_COLUMNS = [
  'kind',
  'accountId',
  'region',
  'id',
  'name',
  'version',
  'which',
  'httpTokens',
  'managedBy',
  'requiresTokens',
  'fixable',
  'laggards',
  'groups',
  'instances',
  'protections',
  'missing',
  'note',
] as const;

type Column = (typeof GUARDRAILS_CSV_COLUMNS)[number];
type Cell = string | number | boolean | null;
type Row = Partial<Record<Column, Cell>>;

const list = (xs: readonly string[]): string => xs.join(';');

function* rows(v: GuardrailsView): Generator<Row> {
  for (const s of v.scopes) {
    const d = s.accountDefault;
    const scope = { accountId: s.accountId, region: s.region };
    yield {
      kind: 'account-default',
      ...scope,
      httpTokens: d?.httpTokens ?? null,
      managedBy: d?.managedBy ?? null,
      requiresTokens: d?.requiresTokens ?? null,
      fixable: d?.fixable ?? null,
      laggards: s.laggards,
      missing: list(s.missing),
      note: d ? d.exceptionMessage : 'account default unreadable',
    };
    for (const t of s.templates)
      yield {
        kind: 'template',
        ...scope,
        id: t.launchTemplateId,
        name: t.name,
        version: t.version,
        which: t.which,
        httpTokens: t.httpTokens,
        groups: list(t.groups),
      };
    for (const a of s.amis)
      yield {
        kind: 'ami',
        ...scope,
        id: a.imageId,
        name: a.name,
        instances: list(a.instances),
        note: a.described ? null : 'not described',
      };
  }
  const org = v.organization;
  if (!org) return;
  for (const a of org.accounts)
    yield {
      kind: 'org-account',
      accountId: a.accountId,
      name: a.name,
      requiresTokens: a.declarativeRequiresTokens,
      protections: list([...new Set(a.protections.map((p) => p.kind))]),
      missing: list(a.missing),
      note: a.path.join('/'),
    };
  for (const o of org.unprotectedOus)
    yield { kind: 'org-unprotected-ou', id: o.id, name: o.name, note: o.path.join('/') };
  for (const u of org.unreadable) yield { kind: 'org-unreadable', note: u };
}

export function* guardrailsCsvChunks(v: GuardrailsView): Generator<string> {
  yield `${GUARDRAILS_CSV_COLUMNS.join(',')}\r\n`;
  for (const r of rows(v)) yield `${GUARDRAILS_CSV_COLUMNS.map((c) => csvCell(r[c] ?? null)).join(',')}\r\n`;
}

/** The view in one format, as pieces to write in turn. */
export function guardrailsChunks(v: GuardrailsView, format: GuardrailsFormat): string[] {
  if (format === 'json') return [`${JSON.stringify(guardrailsJson(v), null, 2)}\n`];
  if (format === 'csv') return [[...guardrailsCsvChunks(v)].join('')];
  // the report's section starts with a blank line to part it from what comes before
  return [`${guardrailsLines(v).slice(1).join('\n')}\n`];
}
