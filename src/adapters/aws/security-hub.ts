import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { type AsffFinding, asffFindings } from '../../report/asff.js';
import type { Report } from '../../report/report.js';
import { classifyAwsError, tagOperation } from './errors.js';

/** BatchImportFindings takes at most 100 findings per request (Security Hub API reference). */
export const IMPORT_BATCH = 100;

export interface SecurityHubExportResult {
  imported: number;
  /** findings Security Hub refused, with its reason; the rest were imported */
  failed: { id: string; code: string; message: string }[];
  /** batches that failed as a whole (after the SDK's retries), with the AWS error */
  batchErrors: string[];
}

export interface SecurityHubExportOptions {
  /** the Security Hub region findings are imported into (the administrator's aggregation region) */
  region: string;
  /** the hub's STS client: the importing account is the hub's own (GetCallerIdentity, once) */
  sts: STSClient;
  maxAttempts?: number;
}

/**
 * Imports a scan's findings into Security Hub from the hub account (the Security Hub
 * administrator imports for its members), one finding per instance, updated in place by its
 * stable id; fixed instances go in as PASSED so Security Hub resolves them. A refused finding or
 * a failed batch does not stop the rest.
 */
export function createSecurityHubExport(opts: SecurityHubExportOptions) {
  const client = tagOperation(
    new SecurityHubClient({ region: opts.region, maxAttempts: opts.maxAttempts ?? 5, retryMode: 'standard' }),
  );
  let hubAccount: Promise<string> | null = null;
  const importerAccount = () => {
    hubAccount ??= opts.sts.send(new GetCallerIdentityCommand({})).then((r) => {
      if (!r.Account) throw new Error('GetCallerIdentity returned no account');
      return r.Account;
    });
    return hubAccount;
  };
  return {
    async export(report: Report): Promise<SecurityHubExportResult> {
      const accountId = await importerAccount();
      const findings = asffFindings(report, { importer: { accountId, region: opts.region } });
      const result: SecurityHubExportResult = { imported: 0, failed: [], batchErrors: [] };
      for (let i = 0; i < findings.length; i += IMPORT_BATCH) {
        const batch: AsffFinding[] = findings.slice(i, i + IMPORT_BATCH);
        try {
          const r = await client.send(
            new BatchImportFindingsCommand({ Findings: batch as unknown as AwsSecurityFinding[] }),
          );
          result.imported += r.SuccessCount ?? 0;
          for (const f of r.FailedFindings ?? [])
            result.failed.push({ id: f.Id ?? '', code: f.ErrorCode ?? '', message: f.ErrorMessage ?? '' });
        } catch (err) {
          result.batchErrors.push(
            classifyAwsError(err, `Security Hub in ${accountId}/${opts.region}`).message,
          );
        }
      }
      return result;
    },
    close(): void {
      client.destroy();
    },
  };
}
export type SecurityHubExport = ReturnType<typeof createSecurityHubExport>;
