import type { ApiError } from './errors.js';
import { escapeXml } from './xml.js';

/** One HTTP answer, ready to write. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type WireProtocol =
  | { kind: 'ec2'; xmlns: string }
  | { kind: 'query'; xmlns: string }
  | { kind: 'json'; version: '1.0' | '1.1'; queryCompatible: boolean }
  /** restJson1: the operation is in the method and path, the body is plain JSON */
  | { kind: 'rest-json' };

const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';
const XML_TYPE = 'text/xml;charset=UTF-8';

const base = (requestId: string, contentType: string): Record<string, string> => ({
  'content-type': contentType,
  'x-amzn-RequestId': requestId,
});

/** EC2: `<XResponse><requestId/>..</XResponse>`; awsQuery: `<XResponse><XResult>..</XResult><ResponseMetadata/>`. */
export function xmlSuccess(
  protocol: WireProtocol,
  action: string,
  requestId: string,
  inner: string,
): HttpAnswer {
  const xmlns = protocol.kind === 'ec2' || protocol.kind === 'query' ? protocol.xmlns : '';
  const open = `${XML_HEADER}<${action}Response xmlns="${xmlns}">`;
  const body =
    protocol.kind === 'ec2'
      ? `${open}<requestId>${requestId}</requestId>${inner}</${action}Response>`
      : `${open}<${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: base(requestId, XML_TYPE), body };
}

export function jsonSuccess(protocol: WireProtocol, requestId: string, output: unknown): HttpAnswer {
  const version = protocol.kind === 'json' ? protocol.version : '1.0';
  return {
    status: 200,
    headers: base(
      requestId,
      protocol.kind === 'rest-json' ? 'application/json' : `application/x-amz-json-${version}`,
    ),
    body: JSON.stringify(output),
  };
}

export function errorAnswer(protocol: WireProtocol, error: ApiError, requestId: string): HttpAnswer {
  const code = escapeXml(error.code);
  const message = escapeXml(error.message);
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  if (protocol.kind === 'ec2') {
    const body = `${XML_HEADER}<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
    return { status: error.status, headers: base(requestId, XML_TYPE), body };
  }
  if (protocol.kind === 'query') {
    const body = `${XML_HEADER}<ErrorResponse xmlns="${protocol.xmlns}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    return { status: error.status, headers: base(requestId, XML_TYPE), body };
  }
  if (protocol.kind === 'rest-json') {
    const headers = { ...base(requestId, 'application/json'), 'x-amzn-ErrorType': error.code };
    return {
      status: error.status,
      headers,
      body: JSON.stringify({ message: error.message, __type: error.code }),
    };
  }
  const headers = {
    ...base(requestId, `application/x-amz-json-${protocol.version}`),
    'x-amzn-ErrorType': error.code,
  };
  if (protocol.queryCompatible) Object.assign(headers, { 'x-amzn-query-error': `${error.code};${type}` });
  return {
    status: error.status,
    headers,
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}
