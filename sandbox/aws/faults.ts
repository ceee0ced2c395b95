import { ApiError } from './wire/errors.js';
import type { HttpAnswer } from './wire/render.js';

/**
 * Per-operation faults that reproduce what AWS-compatible peers do with a call they do not
 * implement or do not allow. Keyed by `service:Action` (as in the stats), e.g.
 * `ec2:GetInstanceMetadataDefaults`; every call of that operation gets the fault.
 */
export const OPERATION_FAULTS = [
  /** HTTP 500 with an HTML page (a proxy or an emulator that does not know the call) */
  'html-500',
  /** 400 UnsupportedOperation */
  'unsupported-operation',
  /** 400 InvalidAction, as an unimplemented Query action */
  'invalid-action',
  /** 403: EC2's UnauthorizedOperation, AccessDenied elsewhere (the role lacks this permission) */
  'access-denied',
  /** 503 Unavailable: a brief outage, which a retry gets past */
  'unavailable',
  /** the service's throttling error (EC2 RequestLimitExceeded, Security Hub 429, SQS RequestThrottled), which the SDK retries */
  'throttled',
] as const;
export type OperationFault = (typeof OPERATION_FAULTS)[number];

export const isOperationFault = (v: string): v is OperationFault =>
  (OPERATION_FAULTS as readonly string[]).includes(v);

/** The page nginx answers for an upstream failure: not XML (its `<hr>` is never closed). */
export const HTML_500_PAGE =
  '<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** A fault of one operation: every call gets it, or only the next `remaining` calls. */
export interface FaultRule {
  fault: OperationFault;
  remaining: number | null;
}

/** The fault of this call, if any (counting it down). */
export function takeFault(rules: Map<string, FaultRule>, operation: string): OperationFault | null {
  const rule = rules.get(operation);
  if (!rule) return null;
  if (rule.remaining !== null && --rule.remaining <= 0) rules.delete(operation);
  return rule.fault;
}

/** The answer for a faulted call: a raw HTTP answer (HTML) or an AWS error to render. */
export function faultAnswer(fault: OperationFault, service: string, action: string): HttpAnswer | ApiError {
  switch (fault) {
    case 'html-500':
      return { status: 500, headers: { 'content-type': 'text/html' }, body: HTML_500_PAGE };
    case 'unsupported-operation':
      return new ApiError('UnsupportedOperation', `The operation ${action} is not supported.`);
    case 'invalid-action':
      return new ApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
    case 'access-denied':
      return service === 'ec2'
        ? new ApiError('UnauthorizedOperation', `You are not authorized to perform: ec2:${action}.`, 403)
        : new ApiError('AccessDenied', `User is not authorized to perform: ${service}:${action}`, 403);
    case 'unavailable':
      return new ApiError('Unavailable', 'The service is unavailable. Please try again shortly.', 503);
    case 'throttled':
      if (service === 'ec2') return new ApiError('RequestLimitExceeded', 'Request limit exceeded.', 503);
      if (service === 'securityhub') return new ApiError('LimitExceededException', 'Rate exceeded', 429);
      if (service === 'sqs') return new ApiError('RequestThrottled', 'Request is throttled.', 400);
      return new ApiError('ThrottlingException', 'Rate exceeded', 400);
  }
}

/** Parses `ec2:GetInstanceMetadataDefaults=html-500,monitoring:GetMetricData=access-denied`. */
export function parseOperationFaults(spec: string): Map<string, OperationFault> {
  const out = new Map<string, OperationFault>();
  for (const item of spec.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    const [operation = '', fault = ''] = item.split('=');
    if (!/^[a-z0-9]+:[A-Za-z0-9]+$/.test(operation) || !isOperationFault(fault))
      throw new Error(
        `"${item}": want service:Action=${OPERATION_FAULTS.join('|')}, e.g. ec2:GetInstanceMetadataDefaults=html-500`,
      );
    out.set(operation, fault);
  }
  return out;
}
