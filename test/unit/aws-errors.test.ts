import { describe, expect, it } from 'vitest';
import { classifyAwsError } from '../../src/adapters/aws/errors.js';
import { CodedError } from '../../src/domain/errors.js';

const WHAT = 'DescribeInstances in 123456789012/eu-west-1';

/** An error shaped like the SDK's ServiceException: name, message and $metadata. */
function sdkError(name: string, httpStatusCode?: number, requestId?: string): Error {
  const err = new Error(`${name} happened`);
  err.name = name;
  return Object.assign(err, { $metadata: { httpStatusCode, requestId } });
}

/** An error shaped like a Node.js socket error: name 'Error' and a code. */
function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:443`), { code });
}

describe('classifyAwsError', () => {
  it.each([
    {
      via: 'HTTP 503',
      err: sdkError('RequestLimitExceeded', 503),
      code: 'RequestLimitExceeded',
      transient: true,
    },
    { via: 'HTTP 400', err: sdkError('Throttling', 400), code: 'Throttling', transient: true },
    {
      via: 'HTTP 400',
      err: sdkError('ThrottlingException', 400),
      code: 'ThrottlingException',
      transient: true,
    },
    {
      via: 'HTTP 400',
      err: sdkError('TooManyRequestsException', 400),
      code: 'TooManyRequestsException',
      transient: true,
    },
    {
      via: 'HTTP 400',
      err: sdkError('EC2ThrottledException', 400),
      code: 'EC2ThrottledException',
      transient: true,
    },
    { via: 'HTTP 429', err: sdkError('SomeNewThrottle', 429), code: 'SomeNewThrottle', transient: true },
    { via: 'HTTP 500', err: sdkError('InternalError', 500), code: 'InternalError', transient: true },
    {
      via: 'HTTP 503',
      err: sdkError('ServiceUnavailable', 503),
      code: 'ServiceUnavailable',
      transient: true,
    },
    {
      via: 'HTTP 502',
      err: sdkError('UnmodelledServerFault', 502),
      code: 'UnmodelledServerFault',
      transient: true,
    },
    { via: 'HTTP 400', err: sdkError('ExpiredToken', 400), code: 'ExpiredToken', transient: true },
    { via: 'no status', err: sdkError('TimeoutError'), code: 'TimeoutError', transient: true },
    {
      via: 'HTTP 403',
      err: sdkError('UnauthorizedOperation', 403),
      code: 'UnauthorizedOperation',
      transient: false,
    },
    { via: 'HTTP 403', err: sdkError('AccessDenied', 403), code: 'AccessDenied', transient: false },
    { via: 'HTTP 401', err: sdkError('AuthFailure', 401), code: 'AuthFailure', transient: false },
    {
      via: 'HTTP 403',
      err: sdkError('InvalidClientTokenId', 403),
      code: 'InvalidClientTokenId',
      transient: false,
    },
    { via: 'HTTP 401', err: sdkError('OptInRequired', 401), code: 'OptInRequired', transient: false },
    {
      via: 'HTTP 400',
      err: sdkError('InvalidParameterValue', 400),
      code: 'InvalidParameterValue',
      transient: false,
    },
    { via: 'socket error', err: networkError('ECONNRESET'), code: 'ECONNRESET', transient: true },
    { via: 'socket error', err: networkError('ECONNREFUSED'), code: 'ECONNREFUSED', transient: true },
    { via: 'socket error', err: networkError('ETIMEDOUT'), code: 'ETIMEDOUT', transient: true },
    { via: 'socket error', err: networkError('EPIPE'), code: 'EPIPE', transient: true },
    { via: 'socket error', err: networkError('EAI_AGAIN'), code: 'EAI_AGAIN', transient: true },
    { via: 'socket error', err: networkError('ENOTFOUND'), code: 'ENOTFOUND', transient: true },
    { via: 'socket error', err: networkError('EHOSTUNREACH'), code: 'EHOSTUNREACH', transient: true },
    { via: 'socket error', err: networkError('ENETUNREACH'), code: 'ENETUNREACH', transient: true },
    { via: 'a TypeError', err: new TypeError('x is not a function'), code: 'TypeError', transient: false },
    { via: 'a plain Error', err: new Error('plain'), code: 'UnknownError', transient: false },
    { via: 'a thrown string', err: 'a string', code: 'UnknownError', transient: false },
    { via: 'undefined', err: undefined, code: 'UnknownError', transient: false },
  ])('$code ($via) -> transient $transient', ({ err, code, transient }) => {
    const coded = classifyAwsError(err, WHAT);

    expect(coded).toBeInstanceOf(CodedError);
    expect({ code: coded.code, transient: coded.transient }).toEqual({ code, transient });
    expect(coded.cause).toBe(err);
  });

  it('names the call, the code and the message, and the request id when there is one', () => {
    const coded = classifyAwsError(sdkError('UnauthorizedOperation', 403, 'req-1234'), WHAT);

    expect(coded.message).toBe(
      `${WHAT}: HTTP 403 UnauthorizedOperation: UnauthorizedOperation happened (request id req-1234)`,
    );
  });

  it('leaves the request id out when the SDK had none', () => {
    const coded = classifyAwsError(sdkError('UnauthorizedOperation', 403), WHAT);

    expect(coded.message).toBe(`${WHAT}: HTTP 403 UnauthorizedOperation: UnauthorizedOperation happened`);
  });

  it('names the operation the client tagged when the description does not', () => {
    const err = Object.defineProperty(sdkError('AccessDenied', 403), '$operation', {
      value: 'GetMetricData',
    });

    const coded = classifyAwsError(err, 'usage in 123456789012/eu-west-1');

    expect(coded.message).toBe(
      'usage in 123456789012/eu-west-1: GetMetricData HTTP 403 AccessDenied: AccessDenied happened',
    );
    expect(coded).toMatchObject({ operation: 'GetMetricData', httpStatus: 403 });
  });

  /** What the SDK throws when an answer is not an AWS document: the parser's error, the raw response attached. */
  function unparseable(message: string, extra: Record<string, unknown>): Error {
    const headers = { 'content-type': 'text/html' };
    return Object.assign(
      new Error(
        `${message}\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.`,
      ),
      {
        $metadata: { httpStatusCode: 502, attempts: 5 },
        $response: { statusCode: 502, headers, body: {} },
        ...extra,
      },
    );
  }

  it.each([
    {
      via: 'XML (the body on the error)',
      err: unparseable('@aws-sdk XML parse error: mismatched tags <html> and </title>', {
        $responseBodyText: '<html>\r\n<head><title>502 Bad Gateway</title>\u001b[31m</head>',
      }),
      body: '<html> <head><title>502 Bad Gateway</title>?[31m</head>',
    },
    {
      via: 'JSON (the body in the message)',
      err: unparseable(`Unexpected token '<', "<html>\n<h"... is not valid JSON`, {}),
      body: '<html> <h',
    },
  ])(
    'a non-AWS body ($via): its first bytes, cleaned, and not transient (the SDK retried)',
    ({ err, body }) => {
      const coded = classifyAwsError(err, WHAT);

      expect(coded).toMatchObject({ code: 'NonAwsResponse', transient: false, httpStatus: 502 });
      expect(coded.message).toBe(`${WHAT}: HTTP 502 non-AWS response body (text/html): "${body}"`);
    },
  );

  it('cuts a long non-AWS body to its first 80 characters', () => {
    const coded = classifyAwsError(unparseable('parse error', { $responseBodyText: 'x'.repeat(500) }), WHAT);

    expect(coded.message).toContain(`"${'x'.repeat(80)}…"`);
  });

  it('passes a CodedError through unchanged', () => {
    const original = new CodedError('unexpected', 'classified upstream', { transient: true });

    expect(classifyAwsError(original, WHAT)).toBe(original);
  });
});
