import type { FormCall, XmlAction } from '../context.js';
import type { SessionRequest } from '../credentials.js';
import { PolicyDocument } from '../iam-policy.js';
import { ApiError, validationError } from '../wire/errors.js';
import type { XmlWriter } from '../wire/xml.js';

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** AssumeRole's SourceIdentity: 2-64 of [\w+=,.@-], and not starting with `aws:` (which the set excludes) */
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;
/** the plaintext limit of the Policy parameter (AWS API reference, AssumeRole) */
const POLICY_MAX_CHARS = 2048;

function accessDenied(call: FormCall, roleArn: string, action = 'sts:AssumeRole'): ApiError {
  return new ApiError(
    'AccessDenied',
    `User: ${call.principal.arn} is not authorized to perform: ${action} on resource: ${roleArn}`,
    403,
  );
}

interface AssumeRoleRequest {
  roleArn: string;
  accountId: string;
  roleName: string;
  sessionName: string;
  durationSeconds: number;
  externalId: string | undefined;
  sourceIdentity: string | null;
  sessionPolicy: PolicyDocument | null;
}

const constraint = (value: string, field: string) =>
  validationError(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint`);

function parseSourceIdentity(call: FormCall): string | null {
  const value = call.params.str('SourceIdentity');
  if (value === undefined) return null;
  if (!SOURCE_IDENTITY.test(value)) throw constraint(value, 'sourceIdentity');
  return value;
}

function parseSessionPolicy(call: FormCall): PolicyDocument | null {
  const text = call.params.str('Policy');
  if (text === undefined) return null;
  if (text.length > POLICY_MAX_CHARS) throw constraint(`${text.slice(0, 20)}…`, 'policy');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError('MalformedPolicyDocument', 'The policy is not in the valid JSON format.');
  }
  const parsed = PolicyDocument.safeParse(json);
  if (!parsed.success) throw new ApiError('MalformedPolicyDocument', 'Syntax errors in policy.');
  return parsed.data;
}

function parseAssumeRole(call: FormCall): AssumeRoleRequest {
  const roleArn = call.params.required('RoleArn');
  const match = ROLE_ARN.exec(roleArn);
  if (!match?.[1] || !match[2]) throw validationError(`${roleArn} is invalid`);
  const sessionName = call.params.required('RoleSessionName');
  if (!SESSION_NAME.test(sessionName)) throw constraint(sessionName, 'roleSessionName');
  return {
    roleArn,
    accountId: match[1],
    roleName: match[2],
    sessionName,
    durationSeconds: call.params.int('DurationSeconds', 900, 43_200) ?? 3600,
    externalId: call.params.str('ExternalId'),
    sourceIdentity: parseSourceIdentity(call),
    sessionPolicy: parseSessionPolicy(call),
  };
}

/**
 * Succeeds only for an existing, active account, one of its roles and its ExternalId, and no deny.
 * A role whose trust requires a SourceIdentity (the change role) refuses a request without one; a
 * role whose trust does not allow sts:SetSourceIdentity refuses a request with one (as IAM does).
 */
const assumeRole: XmlAction = (call, out) => {
  const request = parseAssumeRole(call);
  const account = call.fleet.account(request.accountId);
  const role = account?.roles[request.roleName];
  const allowed =
    account !== undefined &&
    role !== undefined &&
    account.state === 'ACTIVE' &&
    !account.denyAssumeRole &&
    (account.externalId === null || account.externalId === request.externalId);
  if (!allowed) throw accessDenied(call, request.roleArn);
  if (role.requireSourceIdentity && request.sourceIdentity === null)
    throw accessDenied(call, request.roleArn);
  if (!role.allowSourceIdentity && request.sourceIdentity !== null)
    throw accessDenied(call, request.roleArn, 'sts:SetSourceIdentity');
  if (request.durationSeconds > account.maxSessionDurationSeconds) {
    throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  const session: SessionRequest = {
    sessionName: request.sessionName,
    sourceIdentity: request.sourceIdentity,
    sessionPolicy: request.sessionPolicy,
    expiresAt: call.now + request.durationSeconds * 1000,
  };
  const issued = call.credentials.issue(account.id, request.roleName, session, call.now);
  writeAssumeRoleResult(out, issued, request);
};

function writeAssumeRoleResult(
  out: XmlWriter,
  issued: ReturnType<FormCall['credentials']['issue']>,
  request: AssumeRoleRequest,
): void {
  out.node('Credentials', (w) =>
    w
      .leaf('AccessKeyId', issued.accessKeyId)
      .leaf('SecretAccessKey', issued.secretAccessKey)
      .leaf('SessionToken', issued.sessionToken)
      .leaf('Expiration', new Date(issued.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z')),
  );
  out.node('AssumedRoleUser', (w) =>
    w
      .leaf('AssumedRoleId', `${issued.roleId}:${request.sessionName}`)
      .leaf(
        'Arn',
        `arn:aws:sts::${request.accountId}:assumed-role/${request.roleName}/${request.sessionName}`,
      ),
  );
  if (request.sourceIdentity !== null) out.leaf('SourceIdentity', request.sourceIdentity);
  if (request.sessionPolicy !== null) out.leaf('PackedPolicySize', '6');
}

const getCallerIdentity: XmlAction = (call, out) => {
  out
    .leaf('UserId', call.principal.userId)
    .leaf('Account', call.principal.accountId)
    .leaf('Arn', call.principal.arn);
};

export const stsActions: Record<string, XmlAction> = {
  AssumeRole: assumeRole,
  GetCallerIdentity: getCallerIdentity,
};
