import type { JsonAction, JsonCall } from '../context.js';
import type { StoredFinding } from '../security-hub.js';
import { ApiError } from '../wire/errors.js';

/**
 * Security Hub (restJson1): BatchImportFindings, POST /findings/import. As the API reference has
 * it: 1 to 100 findings per request (else InvalidInputException), each checked on its own; a bad
 * one is listed in FailedFindings and the others are imported. A finding's ProductArn must be the
 * caller's own `default` product in the region called; AwsAccountId the caller's account, or any
 * account of the organization when the hub (the Security Hub administrator) imports.
 */
// Written out again rather than imported from src/report/asff.ts: the stand-in checks the bot
// against the API reference, so a field the bot forgets is refused here instead of agreed with.
const REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
] as const;
const LABELS = new Set(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

function problemOf(call: JsonCall, f: Record<string, unknown>): string | null {
  for (const key of REQUIRED) {
    const v = f[key];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0))
      return `Finding is missing the required field ${key}`;
  }
  if (f.SchemaVersion !== '2018-10-08') return `Unsupported SchemaVersion ${String(f.SchemaVersion)}`;
  const caller = call.principal.accountId;
  const product = `arn:aws:securityhub:${call.region}:${caller}:product/${caller}/default`;
  if (f.ProductArn !== product) return `ProductArn must be ${product} for this account and Region`;
  const account = String(f.AwsAccountId);
  const mayImportFor =
    caller === call.fleet.hubAccountId ? call.fleet.account(account) !== undefined : account === caller;
  if (!mayImportFor) return `The account ${caller} may not import findings for ${account}`;
  const label = (f.Severity as { Label?: unknown } | undefined)?.Label;
  if (typeof label !== 'string' || !LABELS.has(label))
    return 'Severity.Label must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL';
  if (String(f.Title).length > 256) return 'Title is longer than 256 characters';
  if (String(f.Description).length > 1024) return 'Description is longer than 1024 characters';
  for (const key of ['CreatedAt', 'UpdatedAt'] as const)
    if (Number.isNaN(Date.parse(String(f[key])))) return `${key} is not an ISO 8601 date`;
  return null;
}

const batchImportFindings: JsonAction = (call) => {
  const findings = (call.body as { Findings?: unknown }).Findings;
  if (!Array.isArray(findings) || findings.length < 1 || findings.length > 100)
    throw new ApiError('InvalidInputException', 'Findings must hold between 1 and 100 findings', 400);
  call.fleet.securityHub.imports++;
  const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
  for (const raw of findings) {
    const f = (raw ?? {}) as Record<string, unknown>;
    const problem = problemOf(call, f);
    if (problem) {
      failed.push({ Id: String(f.Id ?? ''), ErrorCode: 'InvalidInput', ErrorMessage: problem });
      continue;
    }
    call.fleet.securityHub.upsert(f as StoredFinding);
  }
  return {
    FailedCount: failed.length,
    SuccessCount: findings.length - failed.length,
    FailedFindings: failed,
  };
};

/** `METHOD path` -> the operation, as restJson1 routes them. */
export const securityHubRoutes: Record<string, { action: string; handler: JsonAction }> = {
  'POST /findings/import': { action: 'BatchImportFindings', handler: batchImportFindings },
};
