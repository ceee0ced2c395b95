import { once } from 'node:events';
import type { App } from './main.js';
import { createAuditStore } from './store/audit.js';

/** `imds-bot audit verify` and `imds-bot audit export --format jsonl|csv [--since ISO]`. */
export async function auditCommand(
  app: App,
  sub: string | undefined,
  opts: { format: string; since: string | undefined },
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const audit = createAuditStore({ redis: app.redis, prefix: app.config.prefix });
  if (sub === 'verify') {
    const r = await audit.verify();
    if (r.ok) {
      out.write(
        `audit chain unbroken: ${r.count} entries${r.head ? `, head #${r.head.seq} ${r.head.hash}` : ''}\n`,
      );
      return 0;
    }
    err.write(`audit chain BROKEN at entry #${r.brokenAt}: ${r.reason}\n`);
    return 1;
  }
  if (sub === 'export') {
    if (opts.format !== 'jsonl' && opts.format !== 'csv') {
      err.write('imds-bot: audit export takes --format jsonl or --format csv\n');
      return 2;
    }
    const since = opts.since ? new Date(opts.since) : undefined;
    if (since && Number.isNaN(since.getTime())) {
      err.write(
        `imds-bot: --since must be a date such as 2026-11-01 or 2026-11-01T06:00:00Z, not "${opts.since}"\n`,
      );
      return 2;
    }
    for await (const line of audit.export({ format: opts.format, ...(since ? { since } : {}) })) {
      if (!out.write(line)) await once(out, 'drain');
    }
    return 0;
  }
  err.write('imds-bot: audit needs a subcommand: verify | export\n');
  return 2;
}
