#!/usr/bin/env node
import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { auditCommand } from './cli-audit.js';
import { digestCommand } from './cli-digest.js';
import { checkRedisBeforeStart, health } from './cli-redis.js';
import { worker } from './cli-worker.js';
import type { ScanError } from './domain/model.js';
import { summarize } from './domain/summary.js';
import { ConfigError, errorMessage } from './errors.js';
import { type App, createApp } from './main.js';
import { FORMATS, type Format, reportChunks } from './report/format.js';
import type { Report } from './report/report.js';
import { buildReport } from './report/report.js';

const HELP = `imds-bot: find and fix EC2 instances that still accept IMDSv1

Usage: imds-bot <command> [options]

Commands:
  scan      scan the workflow's accounts and regions now and print the report
  report    print the report of the latest stored scan (no AWS calls)
  digest    post the per-owner digests now (needs SLACK_BOT_TOKEN), from the latest scans
  serve     the Slack app (Socket Mode or HTTP), its workers, scan workers and schedules
  worker    run scan workers and the workflow's schedule until stopped (SIGTERM); with
            SLACK_BOT_TOKEN set, the Slack workers too (several processes share one Redis)
  audit verify              prove the audit trail's hash chain unbroken (exit 1 where it is not)
  audit export --format jsonl|csv [--since DATE]   the audit trail, for a SIEM
  health    exit 0 when the configuration loads and Redis answers without evicting; prints
            Redis's eviction policy and persistence
  help      this text

Options:
  --workflow FILE     workflow file (default: $WORKFLOW_FILE or workflows/default.yaml)
  --format FORMAT     table | json | csv (default table)
  --account ID        scan only this account of the workflow
  --region NAME       scan only this region
  --limit N           table: laggards to list (default 100, 0 = all)
  --no-workers        scan: only enqueue and wait; separate 'imds-bot worker' processes do the work

Exit status (scan, report): 0 every scope read completely; 1 some scope's inventory failed (listed);
  2 bad usage or configuration; 3 only partial errors: every inventory read, some part missing
  (launch templates, ASGs, account default or usage; listed); 4 an unexpected failure.
Environment: REDIS_URL, WORKFLOW_FILE, LOG_LEVEL, AWS_REGION, IMDS_BOT_PREFIX, and the AWS SDK's
own (credentials, AWS_ENDPOINT_URL...). See README.md.
`;

class UsageError extends Error {}

const COMMANDS = ['scan', 'report', 'digest', 'worker', 'serve', 'health', 'audit'];

const OPTIONS = {
  workflow: { type: 'string' },
  format: { type: 'string', default: 'table' },
  account: { type: 'string' },
  region: { type: 'string' },
  limit: { type: 'string', default: '100' },
  since: { type: 'string' },
  'no-workers': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
}

type Values = ReturnType<typeof parse>['values'];

function formatOf(v: Values): Format {
  const f = v.format as Format;
  if (!FORMATS.includes(f))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${v.format}"`);
  return f;
}

function limitOf(v: Values): number {
  const n = Number(v.limit);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--limit must be a whole number >= 0, not "${v.limit}"`);
  return n;
}

async function scan(
  app: App,
  v: Values,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const format = formatOf(v);
  if (v.account && !/^\d{12}$/.test(v.account))
    throw new UsageError(`--account must be a 12-digit account id, not "${v.account}"`);
  if (!v['no-workers']) app.startWorkers();
  const { scanId, joined } = await app.requestScan(
    { kind: 'cli', by: process.env.USER ?? null },
    { accountId: v.account, region: v.region },
  );
  err.write(
    joined
      ? `A scan of this scope is already running (${scanId}); following it.\n`
      : `Scan ${scanId} started.\n`,
  );
  let last = '';
  const outcome = await app.waitForScan(scanId, (done, total) => {
    const line = `scan ${scanId}: ${done}/${total} scopes`;
    if (line !== last) err.write(`${line}\n`);
    last = line;
  });
  err.write(
    `scan ${scanId}: finished, ${outcome.summary.scopes.scanned}/${outcome.scopes.length} scopes scanned, ${outcome.summary.scopes.partial} partial, ${outcome.errors.length} error(s)\n`,
  );
  if (outcome.scopes.length === 0 && outcome.errors.length === 0) {
    err.write(
      `Nothing to scan: no account/region of workflow "${app.workflow.name}" matches${v.account ? ` --account ${v.account}` : ''}${v.region ? ` --region ${v.region}` : ''}.\n`,
    );
    return 2;
  }
  const report = buildReport(outcome, await app.store.getSnapshots(outcome.scopes));
  await writeReport(out, report, format, limitOf(v));
  return reportErrors(report.errors, err);
}

async function writeReport(
  out: NodeJS.WritableStream,
  r: Report,
  format: Format,
  limit: number,
): Promise<void> {
  for (const chunk of reportChunks(r, format, limit)) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
}

/** Lists the errors on stderr: 0 none, 1 some scope failed, 3 only parts missing (instances kept). */
function reportErrors(errors: ScanError[], err: NodeJS.WritableStream): number {
  const failed = errors.filter((e) => !e.partial);
  const partial = errors.filter((e) => e.partial);
  const list = (title: string, es: ScanError[]) => {
    if (es.length === 0) return;
    err.write(`${title}\n`);
    for (const e of es)
      err.write(`  ${e.accountId}/${e.region ?? '(all regions)'} ${e.stage}: ${e.message}\n`);
  };
  list(`${failed.length} scope(s) failed (no instances read):`, failed);
  list(`${partial.length} part(s) missing (the scopes' instances are kept):`, partial);
  if (failed.length > 0) return 1;
  return partial.length > 0 ? 3 : 0;
}

async function report(
  app: App,
  v: Values,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const format = formatOf(v);
  const [last] = await app.store.recentScans(1);
  if (!last) {
    err.write('No scan has been stored yet: run `imds-bot scan` first.\n');
    return 2;
  }
  const snapshots = await app.store.latestSnapshots();
  const r = buildReport({ ...last, summary: summarize(snapshots, last.errors), firstScan: false }, snapshots);
  await writeReport(out, r, format, limitOf(v));
  return reportErrors(r.errors, err);
}

export async function run(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let app: App | null = null;
  try {
    const { values, positionals } = parse(argv);
    const [command = 'help', ...rest] = positionals;
    if (values.help || command === 'help') {
      out.write(HELP);
      return 0;
    }
    if (rest.length > (command === 'audit' ? 1 : 0))
      throw new UsageError(`unexpected argument "${rest.at(-1)}"`);
    if (!COMMANDS.includes(command)) throw new UsageError(`unknown command "${command}"`);
    // one-shot commands print a report: their logs stay quiet unless LOG_LEVEL says otherwise
    const env = {
      ...process.env,
      LOG_LEVEL: process.env.LOG_LEVEL || (command === 'worker' || command === 'serve' ? 'info' : 'warn'),
    };
    app = await createApp({ env, workflowFile: values.workflow });
    if (command === 'health') return await health(app, out);
    if (command === 'scan') return await scan(app, values, out, err);
    if (command === 'report') return await report(app, values, out, err);
    if (command === 'digest') return await digestCommand(app, err);
    if (command === 'audit')
      return await auditCommand(
        app,
        rest[0],
        { format: values.format === 'table' ? 'jsonl' : values.format, since: values.since },
        out,
        err,
      );
    return (await checkRedisBeforeStart(app, err)) ?? (await worker(app, err, command === 'serve'));
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`imds-bot: ${e.message}\nRun 'imds-bot help' for usage.\n`);
      return 2;
    }
    if (e instanceof ConfigError) {
      err.write(`imds-bot: ${e.message}\n`);
      return 2;
    }
    err.write(`imds-bot: ${errorMessage(e)}\n`);
    return 4;
  } finally {
    await app?.close();
  }
}

const isMain =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`imds-bot: ${errorMessage(e)}\n`);
      process.exitCode = 4;
    },
  );
}
