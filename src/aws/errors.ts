import { CodedError } from '../errors.js';

/** Error codes AWS answers when it is busy or briefly broken: retried with backoff. */
const TRANSIENT_CODES = new Set([
  'RequestLimitExceeded',
  'EC2ThrottledException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  'TransactionInProgressException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'InternalError',
  'InternalFailure',
  'InternalServiceError',
  'ServiceUnavailable',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'ExpiredToken',
  'ExpiredTokenException',
  'TimeoutError',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/**
 * Turns whatever the SDK threw into a CodedError whose `transient` flag tells the worker
 * whether another attempt can help. `what` names the call for the message.
 */
export function classifyAwsError(err: unknown, what: string): CodedError {
  if (err instanceof CodedError) return err;
  if (typeof err !== 'object' || err === null)
    return new CodedError('UnknownError', `${what}: ${String(err)}`, { cause: err });
  const e = err as AwsLikeError;
  const code = e.name && e.name !== 'Error' ? e.name : (e.code ?? 'UnknownError');
  const status = e.$metadata?.httpStatusCode;
  const transient =
    TRANSIENT_CODES.has(code) ||
    NETWORK_CODES.has(e.code ?? '') ||
    (status !== undefined && (status === 429 || status >= 500));
  const requestId = e.$metadata?.requestId ? ` (request id ${e.$metadata.requestId})` : '';
  return new CodedError(code, `${what}: ${code}: ${e.message ?? 'no message'}${requestId}`, {
    transient,
    cause: err,
  });
}
