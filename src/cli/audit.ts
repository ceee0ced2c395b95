import { once } from 'node:events';
import type { AnchorFile } from '../adapters/redis/anchor-file.js';
import type { AuditStore } from '../adapters/redis/audit.js';
import { anchorAudit } from '../app/change/anchor.js';
import { checkAnchors } from '../domain/change/audit-anchors.js';
import { terminalSafe } from '../domain/untrusted.js';
import type { App } from '../main.js';
import { auditJsonLine, auditOcsfLine } from '../report/audit-formats.js';

type Out = NodeJS.WritableStream;

/** The chain, then every anchor the workflow's anchor file holds: which anchor proves which range. */
async function verify(audit: AuditStore, file: AnchorFile | null, out: Out, err: Out): Promise<number> {
  const r = await audit.verify();
  if (!r.ok) {
    err.write(`audit chain BROKEN at entry #${r.brokenAt}: ${r.reason}\n`);
    return 1;
  }
  const anchors = file ? await file.read() : [];
  const check = checkAnchors(anchors, r.count, await audit.hashesAt(anchors.map((a) => a.seq)));
  for (const p of check.proofs) out.write(`${p}\n`);
  if (!check.ok) {
    err.write(`audit chain BROKEN: ${check.reason}\n`);
    return 1;
  }
  out.write(
    `audit chain unbroken: ${r.count} entries${r.head ? `, head #${r.head.seq} ${r.head.hash}` : ''}\n`,
  );
  if (!file)
    out.write('no anchors (workflow audit.anchorFile is not set): nothing outside Redis vouches for it\n');
  else if (anchors.length === 0) out.write(`no anchors yet in ${file.path}\n`);
  return 0;
}

const EXPORT_FORMATS = ['jsonl', 'ocsf', 'csv'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];
const isExportFormat = (f: string): f is ExportFormat => (EXPORT_FORMATS as readonly string[]).includes(f);

/** jsonl: the versioned schema of docs/audit-schema.md; ocsf: OCSF API Activity; csv: a spreadsheet. */
async function* exportLines(audit: AuditStore, format: ExportFormat, since: Date | undefined) {
  const range = since ? { since } : {};
  if (format === 'csv') {
    yield* audit.export({ format: 'csv', ...range });
    return;
  }
  for await (const e of audit.entries(range)) yield format === 'jsonl' ? auditJsonLine(e) : auditOcsfLine(e);
}

export async function exportTrail(
  audit: AuditStore,
  opts: { format: string; since: string | undefined },
  out: Out,
  err: Out,
): Promise<number> {
  if (!isExportFormat(opts.format)) {
    err.write('imds-bot: audit export takes --format jsonl, ocsf or csv\n');
    return 2;
  }
  const since = opts.since ? new Date(opts.since) : undefined;
  if (since && Number.isNaN(since.getTime())) {
    err.write(
      `imds-bot: --since must be a date such as 2026-11-01 or 2026-11-01T06:00:00Z, not "${terminalSafe(opts.since ?? '')}"\n`,
    );
    return 2;
  }
  for await (const line of exportLines(audit, opts.format, since)) {
    if (!out.write(line)) await once(out, 'drain');
  }
  return 0;
}

async function anchor(app: App, audit: AuditStore, out: Out, err: Out): Promise<number> {
  const file = app.anchorFile;
  const post = app.securityPoster();
  if (!file && !post) {
    err.write(
      "imds-bot: audit anchor needs the workflow's audit.anchorFile or Slack (SLACK_BOT_TOKEN and slack.securityChannel)\n",
    );
    return 2;
  }
  const a = await anchorAudit({ audit, file, post, now: () => new Date() });
  if (!a) {
    out.write('the audit chain is empty: nothing to anchor yet\n');
    return 0;
  }
  const where = [file ? file.path : null, post ? 'the security channel' : null].filter(Boolean).join(' and ');
  out.write(`anchored entry #${a.seq} ${a.hash} at ${a.at} in ${where}\n`);
  return 0;
}

/** `imds-bot audit verify | anchor | export --format jsonl|ocsf|csv [--since ISO]`. */
export async function auditCommand(
  app: App,
  sub: string | undefined,
  opts: { format: string; since: string | undefined },
  out: Out,
  err: Out,
): Promise<number> {
  const audit = app.audit;
  if (sub === 'verify') return verify(audit, app.anchorFile, out, err);
  if (sub === 'anchor') return anchor(app, audit, out, err);
  if (sub === 'export') return exportTrail(audit, opts, out, err);
  err.write('imds-bot: audit needs a subcommand: verify | anchor | export\n');
  return 2;
}
