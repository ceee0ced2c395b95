import { nonProdTwinsOf } from '../app/report/nonprod-twins.js';
import { isAccountId } from '../domain/account-id.js';
import type { ScanError, ScopeSnapshot } from '../domain/findings/model.js';
import { summarize } from '../domain/findings/summary.js';
import { type GuardrailsView, guardrailsView } from '../domain/guardrails/view.js';
import { terminalSafe } from '../domain/untrusted.js';
import type { App } from '../main.js';
import { type Format, reportChunks } from '../report/format.js';
import { GUARDRAILS_FORMATS, type GuardrailsFormat, guardrailsChunks } from '../report/guardrails-formats.js';
import { guardrailsJson } from '../report/guardrails-json.js';
import { guardrailsLines } from '../report/guardrails-text.js';
import { buildReport, type Report } from '../report/report.js';
import { EXIT, type Parsed, UsageError } from './args.js';
import { formatOf, quietOnClose, writeFileAtomically } from './output.js';

export interface ReportOptions {
  format: Format;
  limit: number;
  output: string | undefined;
}

/** Checked before anything connects: bad usage costs nothing. */
export function reportOptions(p: Parsed): ReportOptions {
  const limit = Number(p.str('limit') ?? '100');
  if (!Number.isInteger(limit) || limit < 0)
    throw new UsageError(`--limit must be a whole number >= 0, not "${p.str('limit')}"`);
  const account = p.str('account');
  if (account !== undefined && !isAccountId(account))
    throw new UsageError(`--account must be a 12-digit account id, not "${account}"`);
  return { format: formatOf(p.str('format'), p.str('output')), limit, output: p.str('output') };
}

/** To stdout (stopping quietly when the reader goes away), or atomically to `--output`. */
async function writeReport(
  r: Report,
  o: ReportOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  guardrails: GuardrailsView | null,
) {
  const table = o.format === 'table' && guardrails;
  const chunks = table
    ? [...reportChunks(r, o.format, o.limit), `${guardrailsLines(guardrails).join('\n')}\n`]
    : reportChunks(r, o.format, o.limit);
  if (!o.output) return quietOnClose(out).writeAll(chunks);
  await writeFileAtomically(o.output, chunks);
  err.write(`Report (${o.format}) written to ${o.output}\n`);
}

/** Lists the errors on stderr: 0 none, 1 some scope failed, 3 only parts missing (instances kept). */
/** The failed scopes and missing parts on stderr; AWS wrote the messages, so they are made terminal-safe. */
export function reportErrors(errors: ScanError[], err: NodeJS.WritableStream): number {
  const failed = errors.filter((e) => !e.partial);
  const partial = errors.filter((e) => e.partial);
  const list = (title: string, es: ScanError[]) => {
    if (es.length === 0) return;
    err.write(`${title}\n`);
    for (const e of es)
      err.write(
        `${terminalSafe(`  ${e.accountId}/${e.region ?? '(all regions)'} ${e.stage}: ${e.message}`)}\n`,
      );
  };
  list(`${failed.length} scope(s) failed (no instances read):`, failed);
  list(`${partial.length} part(s) missing (the scopes' instances are kept):`, partial);
  if (failed.length > 0) return EXIT.failed;
  return partial.length > 0 ? EXIT.partial : EXIT.ok;
}

export async function scanCommand(
  app: App,
  p: Parsed,
  o: ReportOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const filter = { accountId: p.str('account'), region: p.str('region') };
  if (!p.flag('no-workers')) app.startWorkers();
  const { scanId, joined, lockId } = await app.requestScan({ kind: 'cli', by: app.operator }, filter);
  err.write(
    joined
      ? `A scan of this scope is already running (${scanId}); following it.\n`
      : `Scan ${scanId} started.\n`,
  );
  let last = '';
  const outcome = await app.waitForScan(
    scanId,
    (done, total) => {
      const line = `scan ${scanId}: ${done}/${total} scopes`;
      if (line !== last) err.write(`${line}\n`);
      last = line;
    },
    lockId,
  );
  err.write(
    `scan ${scanId}: finished, ${outcome.summary.scopes.scanned}/${outcome.scopes.length} scopes scanned, ${outcome.summary.scopes.partial} partial, ${outcome.errors.length} error(s)\n`,
  );
  if (outcome.scopes.length === 0 && outcome.errors.length === 0) {
    err.write(
      `Nothing to scan: no account/region of workflow "${app.workflow.name}" matches${filter.accountId ? ` --account ${filter.accountId}` : ''}${filter.region ? ` --region ${filter.region}` : ''}.\n`,
    );
    return 2;
  }
  for (const note of outcome.notes ?? []) err.write(`${terminalSafe(`note: ${note}`)}\n`);
  for (const w of outcome.warnings ?? []) err.write(`${terminalSafe(`warning: ${w}`)}\n`);
  const snapshots = await app.store.getSnapshots(outcome.scopes);
  const guardrails = await guardrailsOf(app, snapshots);
  const report = buildReport(outcome, snapshots, {
    nonProdTwins: await twinsOf(app, snapshots),
    guardrails: guardrails ? guardrailsJson(guardrails) : undefined,
  });
  await writeReport(report, o, out, err, guardrails);
  return reportErrors(report.errors, err);
}

export async function reportCommand(
  app: App,
  o: ReportOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const [last] = await app.store.recentScans(1);
  if (!last) {
    err.write('No scan has been stored yet: run `imds-bot scan` first.\n');
    return 2;
  }
  const snapshots = await app.store.latestSnapshots();
  const guardrails = await guardrailsOf(app, snapshots);
  const r = buildReport(
    { ...last, summary: summarize(snapshots, last.errors), firstScan: false },
    snapshots,
    {
      nonProdTwins: await twinsOf(app, snapshots),
      guardrails: guardrails ? guardrailsJson(guardrails) : undefined,
    },
  );
  await writeReport(r, o, out, err, guardrails);
  return reportErrors(r.errors, err);
}

/** Production laggards with an enforced non-production twin, from the audit trail and these snapshots. */
const twinsOf = (app: App, snapshots: ScopeSnapshot[]) =>
  nonProdTwinsOf({ audit: app.audit, environment: app.workflow.environment }, snapshots);

/** The guardrails of these snapshots and the stored organization policies (null: no snapshot). */
async function guardrailsOf(app: App, snapshots: ScopeSnapshot[]): Promise<GuardrailsView | null> {
  return snapshots.length === 0 ? null : guardrailsView(snapshots, await app.organization.latest());
}

export interface GuardrailsOptions {
  format: GuardrailsFormat;
  output: string | undefined;
  accountId: string | undefined;
  region: string | undefined;
}

/** `imds-bot guardrails` options, checked before anything connects. */
export function guardrailsOptions(p: Parsed): GuardrailsOptions {
  const accountId = p.str('account');
  if (accountId !== undefined && !isAccountId(accountId))
    throw new UsageError(`--account must be a 12-digit account id, not "${accountId}"`);
  const format = formatOf(p.str('format'), p.str('output'), GUARDRAILS_FORMATS) as GuardrailsFormat;
  return { format, output: p.str('output'), accountId, region: p.str('region') };
}

/**
 * `imds-bot guardrails`: what `/imds guardrails` shows, from the latest stored snapshots (of one
 * account / region when asked) and the organization's stored policies; no AWS calls. 0 shown, 2 no
 * scan stored yet (of that account / region).
 */
export async function guardrailsCommand(
  app: App,
  o: GuardrailsOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const snapshots = (await app.store.latestSnapshots(o.accountId)).filter(
    (s) => o.region === undefined || s.region === o.region,
  );
  const view = await guardrailsOf(app, snapshots);
  if (!view) {
    const of = [o.accountId && `account ${o.accountId}`, o.region && `region ${o.region}`].filter(Boolean);
    err.write(
      `${terminalSafe(`No scan has been stored yet${of.length > 0 ? ` of ${of.join(' ')}` : ''}: run \`imds-bot scan\` first.`)}\n`,
    );
    return EXIT.usage;
  }
  const chunks = guardrailsChunks(view, o.format);
  const code = incompleteGuardrails(view, err);
  if (!o.output) {
    await quietOnClose(out).writeAll(chunks);
    return code;
  }
  await writeFileAtomically(o.output, chunks);
  err.write(`Guardrails (${o.format}) written to ${o.output}\n`);
  return code;
}

/** One stderr line and exit 3 when the latest scan could not read some parts: the view is shown, but it is not the whole picture. */
function incompleteGuardrails(view: GuardrailsView, err: NodeJS.WritableStream): number {
  const incomplete = view.scopes.filter((s) => s.missing.length > 0);
  const unreadable = view.organization?.unreadable ?? [];
  if (incomplete.length === 0 && unreadable.length === 0) return EXIT.ok;
  const parts = [...new Set(incomplete.flatMap((s) => s.missing))];
  const what = [
    incomplete.length > 0 &&
      `in ${incomplete.length} of ${view.scopes.length} account x regions (${parts.join(', ')})`,
    unreadable.length > 0 && `of the organization's policies (${unreadable.length} not readable)`,
  ].filter(Boolean);
  err.write(
    `${terminalSafe(`Incomplete: the latest scan could not read some parts ${what.join(' and ')}; run \`imds-bot scan\` again once they can be read.`)}\n`,
  );
  return EXIT.partial;
}
