import type { Finding, ScanError } from '../domain/findings/model.js';
import { percentText } from '../domain/findings/summary.js';
import { cellSafe } from '../domain/untrusted.js';
import { asffChunks } from './asff.js';
import { ocsfChunks } from './ocsf.js';
import { laggardsOf, type Report } from './report.js';
import { clean, table } from './text-table.js';
import { twinLines } from './twins-text.js';

/** ocsf: OCSF Compliance Findings, one per line; asff: a JSON array of AWS Security Finding Format findings. */
export const FORMATS = ['table', 'json', 'csv', 'ocsf', 'asff'] as const;
export type Format = (typeof FORMATS)[number];

/**
 * JSON, written piece by piece: one line per array item, so a 100,000-instance report is never
 * one giant string (and stays easy to grep). JSON.parse of the whole equals the report.
 */
export function* jsonChunks(r: Report): Generator<string> {
  const entries = Object.entries(r);
  yield '{\n';
  for (const [i, [key, value]] of entries.entries()) {
    const comma = i < entries.length - 1 ? ',' : '';
    if (!Array.isArray(value) || value.length === 0) {
      yield `  ${JSON.stringify(key)}: ${JSON.stringify(value ?? null, null, 2).replace(/\n/g, '\n  ')}${comma}\n`;
      continue;
    }
    yield `  ${JSON.stringify(key)}: [\n`;
    for (const [j, item] of value.entries())
      yield `    ${JSON.stringify(item)}${j < value.length - 1 ? ',' : ''}\n`;
    yield `  ]${comma}\n`;
  }
  yield '}\n';
}

export const formatJson = (r: Report): string => [...jsonChunks(r)].join('');

const CSV_COLUMNS: [string, (f: Finding) => string | number | boolean | null][] = [
  ['instanceId', (f) => f.instanceId],
  ['accountId', (f) => f.accountId],
  ['region', (f) => f.region],
  ['name', (f) => f.name],
  ['state', (f) => f.state],
  ['readiness', (f) => f.readiness],
  ['httpTokens', (f) => f.httpTokens],
  ['httpEndpoint', (f) => f.httpEndpoint],
  ['hopLimit', (f) => f.hopLimit],
  ['owner', (f) => f.owner],
  ['ownerTag', (f) => f.ownerTag],
  ['noTokenCalls', (f) => f.usage?.noTokenCalls ?? null],
  ['lastSeen', (f) => f.usage?.lastSeen ?? null],
  ['asg', (f) => f.asg],
  ['launchTemplateId', (f) => f.launchTemplate?.id ?? null],
  ['launchTemplateVersion', (f) => f.launchTemplate?.version ?? null],
  ['templateRisk', (f) => f.templateRisk],
  ['prod', (f) => f.risk.prod],
  ['publicIp', (f) => f.risk.publicIp],
  ['iamRole', (f) => f.risk.iamRole],
  ['containerHost', (f) => f.risk.containerHost],
  ['launchTime', (f) => f.launchTime],
  ['readinessReason', (f) => f.readinessReason ?? null],
];

/** account:region -> the parts of that scope that could not be read ('launch-templates;usage'). */
export function missingParts(errors: readonly ScanError[]): Map<string, string> {
  const parts = new Map<string, Set<string>>();
  for (const e of errors) {
    if (!e.partial || e.region === null) continue;
    const key = `${e.accountId}:${e.region}`;
    parts.set(key, (parts.get(key) ?? new Set()).add(e.stage));
  }
  return new Map([...parts].map(([k, v]) => [k, [...v].join(';')]));
}

/**
 * RFC 4180 quoting, bidi and terminal controls dropped (cellSafe), and a leading ' on values a spreadsheet would run as a
 * formula (`=`, `+`, `-`, `@`, tab, CR, also after leading spaces; tags are user input).
 */
export function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  let s = typeof v === 'string' ? cellSafe(v) : String(v);
  if (typeof v === 'string' && /^[ \u00a0]*[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One row per finding; `missingParts` names the parts of its scope that could not be read,
 * `nonProdTwin` the enforced non-production twin of a production laggard.
 */
export function* csvChunks(r: Report): Generator<string> {
  const missing = missingParts(r.errors);
  const twins = new Map((r.nonProdTwins?.pairs ?? []).map((p) => [p.instanceId, p.twinId]));
  yield `${[...CSV_COLUMNS.map(([h]) => h), 'missingParts', 'nonProdTwin'].join(',')}\r\n`;
  for (const f of r.findings) {
    const cells = CSV_COLUMNS.map(([, get]) => csvCell(get(f)));
    cells.push(csvCell(missing.get(`${f.accountId}:${f.region}`) ?? null));
    cells.push(csvCell(twins.get(f.instanceId) ?? null));
    yield `${cells.join(',')}\r\n`;
  }
}

export const formatCsv = (r: Report): string => [...csvChunks(r)].join('');

const usageText = (f: Finding) =>
  f.readinessReason
    ? 'unreadable'
    : f.usage && f.usage.noTokenCalls > 0
      ? `${f.usage.noTokenCalls} (last ${f.usage.lastSeen?.slice(0, 16) ?? '?'})`
      : '';
const hints = (f: Finding) =>
  [
    f.risk.prod && 'prod',
    f.risk.publicIp && 'public-ip',
    f.risk.iamRole && 'iam-role',
    f.risk.containerHost,
    f.templateRisk === 'asg-unfixed-template' && 'asg-template-unfixed',
  ]
    .filter(Boolean)
    .join(',');

/** The first line when scopes failed: every figure after it leaves them out. */
export function incompleteLine(s: Report['summary']): string | null {
  const { scanned, partial, failed } = s.scopes;
  if (failed === 0) return null;
  const total = scanned + partial + failed;
  return `INCOMPLETE: ${failed} of ${total} scope(s) failed, their instances could not be read and are not counted (see "Failed scopes").`;
}

function summaryLines(r: Report): string[] {
  const s = r.summary;
  const by = s.byReadiness;
  const first = incompleteLine(s);
  return [
    ...(first ? [first] : []),
    `Scan ${r.scanId} (${r.workflow}), ${r.startedAt} -> ${r.finishedAt}`,
    `Instances ${s.instances}: ${percentText(s.percentCompliant)} not accepting IMDSv1; laggards ${s.laggards} (ready ${by.ready}, in use ${by['in-use']}, unknown ${by.unknown}); compliant ${by.compliant}; IMDS disabled ${by['imds-disabled']}`,
    `IMDSv1 calls in the window: ${s.v1Calls}. ${r.firstScan ? 'First scan of these scopes: history starts now.' : `Since the last scan: ${r.diff.new} new, ${r.diff.fixed} fixed, ${r.diff.regressed} regressed, ${r.diff.gone} gone.`}${r.mttrSeconds === null ? '' : ` Mean time to remediate: ${(r.mttrSeconds / 86_400).toFixed(1)} days.`}`,
    `Launch templates not enforcing: ${s.launchTemplates.notEnforcing}/${s.launchTemplates.total}. Account defaults not enforcing: ${s.accountDefaults.notEnforcing}/${s.accountDefaults.total}. Scopes scanned ${s.scopes.scanned}, partial ${s.scopes.partial}, failed ${s.scopes.failed}.`,
  ];
}

export function formatTable(r: Report, limit = 100): string {
  const out = summaryLines(r);
  const laggards = laggardsOf(r);
  const shown = limit > 0 ? laggards.slice(0, limit) : laggards;
  if (shown.length > 0) {
    out.push('', 'Laggards (HttpTokens optional), most urgent first:');
    const rows = shown.map((f) => [
      f.readiness,
      f.instanceId,
      f.accountId,
      f.region,
      clean(f.name ?? ''),
      clean(f.owner ?? '(unowned)', 32),
      usageText(f),
      hints(f),
    ]);
    out.push(
      ...table(['READINESS', 'INSTANCE', 'ACCOUNT', 'REGION', 'NAME', 'OWNER', 'V1 CALLS', 'HINTS'], rows),
    );
    if (shown.length < laggards.length)
      out.push(
        `…and ${laggards.length - shown.length} more (--limit 0 shows all; --format csv for a spreadsheet)`,
      );
  }
  const lts = r.launchTemplates.filter((t) => !t.enforcing);
  if (lts.length > 0) {
    out.push('', 'Launch templates whose default version does not require IMDSv2:');
    out.push(
      ...table(
        ['TEMPLATE', 'NAME', 'ACCOUNT', 'REGION', 'DEFAULT VERSION'],
        lts.map((t) => [t.launchTemplateId, clean(t.name), t.accountId, t.region, String(t.defaultVersion)]),
      ),
    );
  }
  out.push(...twinLines(r));
  const defaults = r.accountDefaults.filter((d) => !d.enforcing);
  if (defaults.length > 0) {
    out.push('', 'Account defaults that let new instances accept IMDSv1:');
    out.push(
      ...table(
        ['ACCOUNT', 'REGION', 'HTTP TOKENS', 'MANAGED BY'],
        defaults.map((d) => [d.accountId, d.region, d.httpTokens, d.managedBy]),
      ),
    );
  }
  out.push(
    ...errorTable(
      r.errors.filter((e) => !e.partial),
      'Failed scopes',
      'no instances read, missing from every figure',
      'STAGE',
    ),
  );
  out.push(
    ...errorTable(
      r.errors.filter((e) => e.partial),
      'Partial scopes',
      'instances kept, these parts missing',
      'MISSING PART',
    ),
  );
  return `${out.join('\n')}\n`;
}

function errorTable(errors: ScanError[], title: string, meaning: string, stage: string): string[] {
  if (errors.length === 0) return [];
  return [
    '',
    `${title} (${errors.length}): ${meaning}`,
    ...table(
      ['ACCOUNT', 'REGION', stage, 'CODE', 'MESSAGE'],
      errors.map((e) => [e.accountId, e.region ?? '(all)', e.stage, e.code, clean(e.message, 160)]),
    ),
  ];
}

/** The report as pieces to write in turn (the CLI honours backpressure between them). */
export function reportChunks(r: Report, format: Format, limit?: number): Iterable<string> {
  if (format === 'json') return coalesce(jsonChunks(r));
  if (format === 'csv') return coalesce(csvChunks(r));
  if (format === 'ocsf') return coalesce(ocsfChunks(r));
  if (format === 'asff') return coalesce(asffChunks(r));
  return [formatTable(r, limit)];
}

const CHUNK_CHARS = 64 * 1024;

/** Lines joined into ~64 KB pieces: one write (a system call on a file or pipe) per piece, not per line. */
function* coalesce(lines: Iterable<string>): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const line of lines) {
    parts.push(line);
    size += line.length;
    if (size < CHUNK_CHARS) continue;
    yield parts.join('');
    parts = [];
    size = 0;
  }
  if (parts.length > 0) yield parts.join('');
}
