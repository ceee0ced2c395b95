import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { authorize } from './authorize.js';
import type { CallContext, HandlerSettings, ServiceName } from './context.js';
import type { CredentialStore, Principal } from './credentials.js';
import { type FaultRule, faultAnswer, takeFault } from './faults.js';
import type { Fleet } from './fleet.js';
import type { Rng } from './prng.js';
import { isServiceName, SERVICES, type ServiceDef } from './services/registry.js';
import type { StatsCollector } from './stats.js';
import { bucketFor, type Throttler } from './throttle.js';
import type { CallTrail } from './trail.js';
import { ApiError } from './wire/errors.js';
import { FormParams } from './wire/params.js';
import { errorAnswer, type HttpAnswer, jsonSuccess, xmlSuccess } from './wire/render.js';
import { XmlWriter } from './wire/xml.js';

/** Everything a running emulator shares between calls. */
export interface Runtime {
  fleet: Fleet;
  credentials: CredentialStore;
  settings: HandlerSettings;
  throttler: Throttler;
  stats: StatsCollector;
  /** every call with who made it: the emulator's CloudTrail */
  trail: CallTrail;
  latencyMs: number;
  /** extra delay per action key ('ec2:DescribeInstances') */
  actionLatencyMs: Map<string, number>;
  /** action key -> released when the test lets calls of that action be answered */
  held: Map<string, Promise<void>>;
  faultRate: number;
  faultRng: Rng;
  /** `service:Action` -> the fault every call of it gets */
  operationFaults: Map<string, FaultRule>;
  now: () => Date;
}

interface Identified {
  service: ServiceName;
  def: ServiceDef;
  region: string;
  accessKeyId: string | null;
  action: string;
  params: FormParams | null;
  body: unknown;
}

// SigV4: Credential=AKID/yyyymmdd/REGION/SERVICE/aws4_request. Signatures are NOT verified:
// the emulator only reads who is calling (the access key) and where (region, service).
const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

const TARGETS: Record<string, ServiceName> = {
  GraniteServiceVersion20100801: 'monitoring',
  AWSOrganizationsV20161128: 'organizations',
  AmazonSSM: 'ssm',
  AmazonSQS: 'sqs',
};
const VERSIONS: Record<string, ServiceName> = {
  '2016-11-15': 'ec2',
  '2011-06-15': 'sts',
  '2011-01-01': 'autoscaling',
};

/** The method and path of the request: restJson1 services route on them. */
export interface RequestLine {
  method: string;
  path: string;
  /** aborted when the caller hangs up */
  signal?: AbortSignal;
}

function identify(headers: IncomingHttpHeaders, raw: string, line: RequestLine): Identified {
  const credential = CREDENTIAL.exec(headers.authorization ?? '');
  const signedName = credential?.[3];
  if (signedName !== undefined && isServiceName(signedName)) {
    const def = SERVICES[signedName];
    if (def.kind === 'rest') {
      const route = def.routes[`${line.method} ${line.path.split('?')[0]}`];
      return {
        service: signedName,
        def,
        region: credential?.[2] ?? 'us-east-1',
        accessKeyId: credential?.[1] ?? null,
        action: route?.action ?? `${line.method} ${line.path}`,
        params: null,
        body: parseJson(raw),
      };
    }
  }
  const target = String(headers['x-amz-target'] ?? '');
  const isJson = String(headers['content-type'] ?? '').startsWith('application/x-amz-json');
  const form = isJson ? null : new Map(new URLSearchParams(raw));
  const guessed = isJson ? TARGETS[target.split('.')[0] ?? ''] : VERSIONS[form?.get('Version') ?? ''];
  const signed = credential?.[3];
  const service = signed !== undefined && isServiceName(signed) ? signed : guessed;
  if (!service)
    throw new ApiError(
      'UnknownService',
      `The emulator does not know the service of this request (${signed ?? target})`,
    );
  const def = SERVICES[service];
  const action = isJson ? (target.split('.')[1] ?? '') : (form?.get('Action') ?? '');
  const invalidCode = def.protocol.kind === 'ec2' ? 'InvalidParameterValue' : 'ValidationError';
  return {
    service,
    def,
    region: credential?.[2] ?? 'us-east-1',
    accessKeyId: credential?.[1] ?? null,
    action,
    params: form ? new FormParams(form, invalidCode) : null,
    body: isJson ? parseJson(raw) : null,
  };
}

function parseJson(raw: string): unknown {
  try {
    return raw === '' ? {} : JSON.parse(raw);
  } catch {
    throw new ApiError('SerializationException', 'The request body is not valid JSON');
  }
}

function throttleError(service: ServiceName): ApiError {
  if (service === 'ec2') return new ApiError('RequestLimitExceeded', 'Request limit exceeded.', 503);
  return new ApiError('Throttling', 'Rate exceeded', 400);
}

function checkRegion(runtime: Runtime, id: Identified, accountId: string): void {
  if (id.service === 'sts' || id.service === 'organizations') return;
  if (runtime.fleet.account(accountId)?.enabledRegions.includes(id.region)) return;
  if (id.service === 'ec2')
    throw new ApiError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
  throw new ApiError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
}

/** Latency, throttling and faults, in that order; each call counts in the stats. */
async function admit(runtime: Runtime, id: Identified, scope: string): Promise<void> {
  const actionKey = `${id.service}:${id.action}`;
  runtime.stats.call(actionKey, scope);
  const latency = runtime.latencyMs + (runtime.actionLatencyMs.get(actionKey) ?? 0);
  if (latency > 0) await sleep(latency);
  await runtime.held.get(actionKey);
  const bucket = bucketFor(id.service, id.action, id.params, scope);
  if (bucket && !runtime.throttler.take(bucket.bucket, bucket.key, runtime.now().getTime())) {
    runtime.stats.throttled(actionKey);
    throw throttleError(id.service);
  }
  if (runtime.faultRate > 0 && runtime.faultRng() < runtime.faultRate) {
    runtime.stats.faulted();
    throw new ApiError('InternalError', 'We encountered an internal error. Please try again.', 500);
  }
}

async function invoke(
  runtime: Runtime,
  id: Identified,
  requestId: string,
  signal?: AbortSignal,
): Promise<HttpAnswer> {
  if (!id.accessKeyId)
    throw new ApiError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  const principal = runtime.credentials.principal(id.accessKeyId, runtime.fleet.hubAccountId);
  const event = {
    service: id.service,
    action: id.action,
    region: id.region,
    at: runtime.now().getTime(),
    params: topLevelParams(id.params),
  };
  try {
    const answer = await invokeAs(runtime, id, principal, requestId, signal);
    runtime.trail.record(event, principal, null);
    return answer;
  } catch (caught) {
    runtime.trail.record(event, principal, caught instanceof ApiError ? caught.code : 'InternalError');
    throw caught;
  }
}

/** The form parameters that are not lists or the protocol's own (Action, Version). */
function topLevelParams(params: FormParams | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of params?.entries() ?? [])
    if (!name.includes('.') && name !== 'Action' && name !== 'Version') out[name] = value;
  return out;
}

async function invokeAs(
  runtime: Runtime,
  id: Identified,
  principal: Principal,
  requestId: string,
  signal?: AbortSignal,
): Promise<HttpAnswer> {
  await admit(runtime, id, `${principal.accountId}:${id.region}`);
  const fault = takeFault(runtime.operationFaults, `${id.service}:${id.action}`);
  if (fault) {
    const answer = faultAnswer(fault, id.service, id.action);
    if (answer instanceof ApiError) throw answer;
    runtime.stats.error(fault);
    return answer;
  }
  const now = runtime.now().getTime();
  if (principal.expiresAt !== null && now >= principal.expiresAt) {
    throw new ApiError('ExpiredToken', 'The security token included in the request is expired', 400);
  }
  checkRegion(runtime, id, principal.accountId);
  const role =
    principal.session && runtime.fleet.account(principal.accountId)?.roles[principal.session.roleName];
  authorize(id, principal, role ?? undefined);
  const { fleet, credentials, settings } = runtime;
  const base: CallContext = {
    fleet,
    credentials,
    settings,
    now,
    region: id.region,
    principal,
    requestId,
    ...(signal ? { signal } : {}),
  };
  const { def } = id;
  if (def.kind === 'rest') {
    const route = Object.values(def.routes).find((r) => r.action === id.action);
    if (!route) throw new ApiError('UnknownOperationException', `Unknown operation ${id.action}`, 404);
    return jsonSuccess(def.protocol, requestId, route.handler({ ...base, body: id.body }));
  }
  if (def.kind === 'json') {
    const action = def.actions[id.action];
    if (!action) throw new ApiError('UnknownOperationException', `Unknown operation ${id.action}`);
    // an action may answer later (SQS long polling)
    return jsonSuccess(def.protocol, requestId, await action({ ...base, body: id.body }));
  }
  const action = def.actions[id.action];
  if (!action || !id.params)
    throw new ApiError('InvalidAction', `The action ${id.action} is not valid for this web service.`);
  const out = new XmlWriter();
  action({ ...base, params: id.params }, out);
  return xmlSuccess(def.protocol, id.action, requestId, out.toString());
}

/** Answers one AWS API request (any service), never throwing. */
export async function answerAws(
  runtime: Runtime,
  headers: IncomingHttpHeaders,
  raw: string,
  line: RequestLine = { method: 'POST', path: '/' },
): Promise<HttpAnswer> {
  const requestId = randomUUID();
  let id: Identified | null = null;
  try {
    id = identify(headers, raw, line);
    return await invoke(runtime, id, requestId, line.signal);
  } catch (caught) {
    const error =
      caught instanceof ApiError
        ? caught
        : new ApiError(
            'InternalError',
            `emulator bug: ${caught instanceof Error ? caught.message : String(caught)}`,
            500,
          );
    runtime.stats.error(error.code);
    return errorAnswer(id?.def.protocol ?? SERVICES.ec2.protocol, error, requestId);
  }
}
