import type { PolicyCode } from './change/approval-roles.js';

/**
 * Every code a CodedError may carry, in one list: a typo does not compile. Ours are the keys of
 * ERROR_CODES (each with what it means); the approval policy's refusals are PolicyCode; codes other
 * systems name are AWS's own error codes (AwsErrorCode, made only by classifyAwsError from the SDK's
 * error name) and Slack's (`slack:<error>` for a Web API error, `slack-http-<status>`).
 */
export const ERROR_CODES = {
  'config-invalid': 'a workflow file or the environment is invalid (ConfigError)',
  setup: 'a start-up problem the operator fixes in the environment (SetupError)',
  'redis-unavailable': 'Redis did not answer or refused us (RedisUnavailable)',
  'redis-evicts': 'Redis may evict our keys: maxmemory-policy is not noeviction',
  'start-stopped': 'SIGTERM arrived before the Slack API answered at start-up',
  'stored-data-invalid': 'JSON read back from Redis is corrupt or not the shape we store',
  'unknown-account': 'an account id that is not in the workflow',
  'assume-role-empty': 'STS AssumeRole answered without credentials',
  UnknownError: 'the SDK threw something without a name or code',
  NonAwsResponse: 'the answer was not an AWS error document (an HTML page, a truncated body)',
  'unexpected-response': 'an AWS answer without a field we need',
  'instance-not-found': 'the instance does not exist in that account and region',
  'instance-terminated': 'the instance is shutting down or terminated: nothing to change',
  'launch-template-not-found': 'the launch template does not exist in that account and region',
  'declarative-policy': 'the organization owns the instance metadata defaults (declarative policy)',
  'apply-timeout': 'the metadata options were not applied in time (transient)',
  'verify-mismatch': 'read back after a change, the resource is not as asked',
  'turned-in-use': 'an instance of a bulk started calling IMDSv1 since the request: skipped',
  'bulk-in-single-job': 'a bulk request reached the one-instance job',
  'nothing-to-restore': 'a rollback found no captured before-state',
  'asg-not-found': 'the Auto Scaling group does not exist in that account and region',
  'refresh-plan-stale': 'the Auto Scaling group changed between the refresh request and its apply',
  'refresh-in-progress': 'another instance refresh of the group is running',
  'refresh-not-running': 'an instance refresh that has ended cannot be rolled back or cancelled',
  'change-not-found': 'no change request with that id',
  'change-conflict': 'the change request moved under us too often (transient)',
  'audit-missing': 'an audit entry is missing from the stream',
  'audit-conflict': 'the audit trail was too busy to append (transient)',
  'audit-not-replicated':
    'no replica acknowledged an audit entry in time; a failover could lose it (transient)',
  'anchor-invalid': 'a line of the audit anchor file is not an anchor',
  'slack-rate-limited': 'Slack answered 429 (SlackRateLimited)',
  'slack-request-failed': 'the Slack API could not be reached (transient)',
  'response-url-refused': 'a response_url that is not a Slack host',
  'response-url-failed': 'posting to a response_url failed',
  'find-caller-off': 'finding the IMDSv1 caller is not enabled (fixes.findCaller.enabled) or not wired',
  'not-ssm-managed': 'the instance is not managed by SSM (no agent registered, or not online)',
  'find-caller-failed':
    'the find-imdsv1-callers script did not report (failed, timed out, or could not watch)',
  unexpected: 'anything else a job threw, wrapped so the worker can decide (transient)',
} as const satisfies Record<string, string>;
export type OwnErrorCode = keyof typeof ERROR_CODES;

declare const awsCode: unique symbol;
/** An error code AWS named (e.g. `RequestLimitExceeded`): only `awsErrorCode` makes one. */
export type AwsErrorCode = string & { readonly [awsCode]: true };
/** For src/adapters/aws/errors.ts: the SDK error's name, as a code. */
export const awsErrorCode = (name: string): AwsErrorCode => name as AwsErrorCode;

export type SlackErrorCode = `slack:${string}` | `slack-http-${number}`;

export type ErrorCode = OwnErrorCode | PolicyCode | AwsErrorCode | SlackErrorCode;

/**
 * Typed errors with a code, mapped once per edge: the CLI prints `message`; a worker rethrows
 * transient ones (bullmq retries them) and fails permanent ones without retry.
 */
export class CodedError extends Error {
  readonly code: ErrorCode;
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, opts: { transient?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CodedError';
    this.code = code;
    this.transient = opts.transient ?? false;
  }
}

/** Configuration problems: every problem at once, one per line, never a stack trace. */
export class ConfigError extends CodedError {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super('config-invalid', `${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A start-up problem the operator fixes in the environment (a refused token): one line, exit status 2. */
export class SetupError extends CodedError {
  constructor(message: string) {
    super('setup', message);
    this.name = 'SetupError';
  }
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
