import type { AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { Scope } from '../../domain/findings/model.js';
import type { AsffFinding } from '../../report/asff.js';
import type { Report } from '../../report/report.js';
import { type OpenFinding, planImport } from '../../report/security-hub-sync.js';
import { classifyAwsError, tagOperation } from './errors.js';

type SecurityHubSdk = typeof import('@aws-sdk/client-securityhub');

/** BatchImportFindings takes at most 100 findings per request (Security Hub API reference). */
export const IMPORT_BATCH = 100;

export interface SecurityHubExportResult {
  /** findings Security Hub accepted (FAILED ones, and resolved or archived ones) */
  imported: number;
  /** of those, findings resolved (instance fixed) or archived (instance gone) */
  resolved: number;
  /** findings Security Hub refused, with its reason; the rest were imported */
  failed: { id: string; code: string; message: string }[];
  /** batches that failed as a whole (after the SDK's retries), with the AWS error */
  batchErrors: string[];
  /** findings in those batches: not sent, tried again at the next scan */
  unsent: number;
}

/** Where the findings open in Security Hub are kept between scans (Redis: security-hub-ledger.ts). */
export interface OpenFindings {
  open(product: Product): Promise<Map<string, OpenFinding>>;
  record(product: Product, opened: ReadonlyMap<string, OpenFinding>, closed: Iterable<string>): Promise<void>;
}
type Product = { accountId: string; region: string };

export interface SecurityHubExportOptions {
  /** the Security Hub region findings are imported into (the administrator's aggregation region) */
  region: string;
  /** the hub's STS client: the importing account is the hub's own (GetCallerIdentity, once) */
  sts: STSClient;
  /** the importing account, when it is known (skips GetCallerIdentity) */
  accountId?: string | undefined;
  ledger: OpenFindings;
  maxAttempts?: number;
  /** counts the client's calls (metrics) */
  instrument?: <C>(client: C) => C;
}

/**
 * Imports a scan's findings into Security Hub from the hub account (the Security Hub
 * administrator imports for its members): one finding per laggard, updated in place by its stable
 * id; an instance fixed since goes in as PASSED so Security Hub resolves it, one gone as ARCHIVED.
 * A refused finding or a failed batch does not stop the rest, and stays to be sent again. The
 * SDK retries throttling and 5xx (standard mode, `maxAttempts`).
 */
export function createSecurityHubExport(opts: SecurityHubExportOptions) {
  const instrument = opts.instrument ?? (<C>(c: C): C => c);
  // the SDK client is loaded and built by the first export: a process that never exports (a
  // one-shot scan or report) does not pay for loading it
  let client: SecurityHubClient | null = null;
  let loaded: Promise<{ client: SecurityHubClient; sdk: SecurityHubSdk }> | null = null;
  const securityHub = () => {
    loaded ??= import('@aws-sdk/client-securityhub').then((sdk) => {
      client = instrument(
        tagOperation(
          new sdk.SecurityHubClient({
            region: opts.region,
            maxAttempts: opts.maxAttempts ?? 5,
            retryMode: 'standard',
          }),
        ),
      );
      return { client, sdk };
    });
    return loaded;
  };
  let importer: Promise<string> | null = opts.accountId ? Promise.resolve(opts.accountId) : null;
  const importerAccount = () => {
    importer ??= opts.sts.send(new GetCallerIdentityCommand({})).then((r) => {
      if (!r.Account) throw new Error('GetCallerIdentity returned no account');
      return r.Account;
    });
    importer.catch(() => {
      importer = null; // asked again at the next scan
    });
    return importer;
  };

  /** Sends the findings 100 at a time; returns the ids Security Hub accepted. */
  async function send(findings: AsffFinding[], where: string, result: SecurityHubExportResult) {
    const accepted = new Set<string>();
    if (findings.length === 0) return accepted;
    const { client, sdk } = await securityHub();
    for (let i = 0; i < findings.length; i += IMPORT_BATCH) {
      const batch = findings.slice(i, i + IMPORT_BATCH);
      try {
        const r = await client.send(
          new sdk.BatchImportFindingsCommand({ Findings: batch as unknown as AwsSecurityFinding[] }),
        );
        const refused = new Set<string>();
        for (const f of r.FailedFindings ?? []) {
          refused.add(f.Id ?? '');
          result.failed.push({ id: f.Id ?? '', code: f.ErrorCode ?? '', message: f.ErrorMessage ?? '' });
        }
        for (const f of batch) if (!refused.has(f.Id)) accepted.add(f.Id);
      } catch (err) {
        result.batchErrors.push(classifyAwsError(err, `Security Hub in ${where}`).message);
        result.unsent += batch.length;
      }
    }
    return accepted;
  }

  return {
    /** `scanned`: the scopes the scan covered (gone instances are archived only in complete ones) */
    async sync(report: Report, scanned: Scope[]): Promise<SecurityHubExportResult> {
      const product = { accountId: await importerAccount(), region: opts.region };
      const plan = planImport(report, scanned, await opts.ledger.open(product), { importer: product });
      const result: SecurityHubExportResult = {
        imported: 0,
        resolved: 0,
        failed: [],
        batchErrors: [],
        unsent: 0,
      };
      const accepted = await send(plan.findings, `${product.accountId}/${product.region}`, result);
      const opened = new Map([...plan.opened].filter(([id]) => accepted.has(id)));
      const closed = [...plan.closed].filter((id) => accepted.has(id));
      await opts.ledger.record(product, opened, closed);
      result.imported = accepted.size;
      result.resolved = closed.length;
      return result;
    },
    close(): void {
      client?.destroy();
    },
  };
}
export type SecurityHubExport = ReturnType<typeof createSecurityHubExport>;

/** One line per problem of an export, for the scan's warnings and the log (AWS wrote the messages). */
export function exportWarnings(r: SecurityHubExportResult): string[] {
  const out = r.batchErrors.map((e) => `Security Hub export: a batch failed: ${e}`);
  if (r.failed.length > 0) {
    const first = r.failed[0];
    out.push(
      `Security Hub export: ${r.failed.length} finding(s) refused${first ? ` (first: ${first.id}: ${first.code} ${first.message})` : ''}`,
    );
  }
  return out;
}
