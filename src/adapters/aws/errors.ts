import { awsErrorCode, CodedError, type ErrorCode } from '../../domain/errors.js';

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
  $fault?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { statusCode?: number; headers?: Record<string, string>; body?: unknown };
  $responseBodyText?: string;
  /** set by tagOperation: the command that failed */
  $operation?: string;
}

/** An AWS call that failed: the code is AWS's (or NonAwsResponse), with what we know of the call. */
export class AwsCallError extends CodedError {
  readonly operation: string | null;
  readonly httpStatus: number | null;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { transient: boolean; cause: unknown; operation: string | null; httpStatus: number | null },
  ) {
    super(code, message, opts);
    this.name = 'AwsCallError';
    this.operation = opts.operation;
    this.httpStatus = opts.httpStatus;
  }
}

/** The code of an answer that is not an AWS error document (an HTML page, a truncated body). */
export const NON_AWS_RESPONSE = 'NonAwsResponse' satisfies ErrorCode;

/** Text from the peer, safe for a terminal or a log line: no control or bidi characters, short. */
function preview(text: string, max: number): string {
  const flat = text
    .replace(/\s+/g, ' ')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?')
    .trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * The SDK failed to read the answer (not an AWS error document): it then attaches the raw
 * response but no $fault. The body text is on the error for XML, in the parser's message for JSON.
 */
function nonAwsBody(e: AwsLikeError): string | null {
  if (e.$response === undefined || e.$fault !== undefined) return null;
  if (typeof e.$responseBodyText === 'string') return e.$responseBodyText;
  if (typeof e.$response.body === 'string') return e.$response.body;
  const quoted = /"([\s\S]*)"(?:\.\.\.)? is not valid JSON/.exec(e.message ?? '');
  return quoted?.[1] ?? '';
}

/**
 * Turns whatever the SDK threw into a CodedError whose `transient` flag tells the worker
 * whether another attempt can help. `what` names the call (and where) for the message; the
 * message adds the operation, the HTTP status and the AWS code, or the first bytes of a body
 * that is not AWS's. Such a body is not transient: the SDK has already retried it.
 */
export function classifyAwsError(err: unknown, what: string): CodedError {
  if (err instanceof CodedError) return err;
  if (typeof err !== 'object' || err === null)
    return new CodedError('UnknownError', `${what}: ${String(err)}`, { cause: err });
  const e = err as AwsLikeError;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode ?? null;
  const operation = e.$operation ?? null;
  const head = `${what}: ${operation && !what.startsWith(operation) ? `${operation} ` : ''}${status === null ? '' : `HTTP ${status} `}`;
  const body = nonAwsBody(e);
  if (body !== null) {
    const type = e.$response?.headers?.['content-type'];
    const message = `${head}non-AWS response body${type ? ` (${preview(type, 60)})` : ''}: "${preview(body, 80)}"`;
    return new AwsCallError(NON_AWS_RESPONSE, message, {
      transient: false,
      cause: err,
      operation,
      httpStatus: status,
    });
  }
  const code = e.name && e.name !== 'Error' ? e.name : (e.code ?? 'UnknownError');
  const transient =
    TRANSIENT_CODES.has(code) ||
    NETWORK_CODES.has(e.code ?? '') ||
    (status !== null && (status === 429 || status >= 500));
  const requestId = e.$metadata?.requestId ? ` (request id ${e.$metadata.requestId})` : '';
  return new AwsCallError(
    awsErrorCode(code),
    `${head}${code}: ${preview(e.message ?? 'no message', 500)}${requestId}`,
    {
      transient,
      cause: err,
      operation,
      httpStatus: status,
    },
  );
}

interface TaggableClient {
  middlewareStack: {
    add(
      mw: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      opts: { step: 'initialize'; name: string },
    ): void;
  };
}

/** Makes every error of the client's calls carry the operation (`$operation`) for classifyAwsError. */
export function tagOperation<C>(client: C): C {
  (client as unknown as TaggableClient).middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if (typeof err === 'object' && err !== null && !('$operation' in err))
          Object.defineProperty(err, '$operation', {
            value: context.commandName?.replace(/Command$/, '') ?? null,
          });
        throw err;
      }
    },
    { step: 'initialize', name: 'imdsBotTagOperation' },
  );
  return client;
}
