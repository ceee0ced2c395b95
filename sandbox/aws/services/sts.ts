import type { FormCall, XmlAction } from '../context.js';
import { ApiError, validationError } from '../wire/errors.js';
import type { XmlWriter } from '../wire/xml.js';

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function accessDenied(call: FormCall, roleArn: string): ApiError {
  return new ApiError(
    'AccessDenied',
    `User: ${call.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
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
}

function parseAssumeRole(call: FormCall): AssumeRoleRequest {
  const roleArn = call.params.required('RoleArn');
  const match = ROLE_ARN.exec(roleArn);
  if (!match?.[1] || !match[2]) throw validationError(`${roleArn} is invalid`);
  const sessionName = call.params.required('RoleSessionName');
  if (!SESSION_NAME.test(sessionName)) {
    throw validationError(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`,
    );
  }
  return {
    roleArn,
    accountId: match[1],
    roleName: match[2],
    sessionName,
    durationSeconds: call.params.int('DurationSeconds', 900, 43_200) ?? 3600,
    externalId: call.params.str('ExternalId'),
  };
}

/** Succeeds only for an existing, active account, its configured role and ExternalId, and no deny. */
const assumeRole: XmlAction = (call, out) => {
  const request = parseAssumeRole(call);
  const account = call.fleet.account(request.accountId);
  const allowed =
    account !== undefined &&
    account.state === 'ACTIVE' &&
    !account.denyAssumeRole &&
    account.roleName === request.roleName &&
    (account.externalId === null || account.externalId === request.externalId);
  if (!allowed) throw accessDenied(call, request.roleArn);
  if (request.durationSeconds > account.maxSessionDurationSeconds) {
    throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  const expiresAt = call.now + request.durationSeconds * 1000;
  const issued = call.credentials.issue(account.id, request.roleName, request.sessionName, expiresAt);
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
