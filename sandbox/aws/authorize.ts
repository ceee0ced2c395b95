import type { ServiceName } from './context.js';
import type { Principal } from './credentials.js';
import { type AuthzRequest, denialReason, evaluate } from './iam-policy.js';
import type { RoleModel } from './types.js';
import { ApiError } from './wire/errors.js';
import type { FormParams } from './wire/params.js';

/** The IAM service prefix of each emulated service (CloudWatch is signed `monitoring`). */
const IAM_PREFIX: Record<ServiceName, string> = {
  ec2: 'ec2',
  sts: 'sts',
  monitoring: 'cloudwatch',
  autoscaling: 'autoscaling',
  organizations: 'organizations',
  ssm: 'ssm',
  sqs: 'sqs',
  securityhub: 'securityhub',
};

/** EC2 actions with resource-level permissions that the bot calls; every other action is `*`. */
const EC2_RESOURCE: Record<string, { param: string; type: string }> = {
  ModifyInstanceMetadataOptions: { param: 'InstanceId', type: 'instance' },
  CreateLaunchTemplateVersion: { param: 'LaunchTemplateId', type: 'launch-template' },
  ModifyLaunchTemplate: { param: 'LaunchTemplateId', type: 'launch-template' },
};

export interface CallIdentity {
  service: ServiceName;
  action: string;
  region: string;
  params: FormParams | null;
}

function resourceOf(id: CallIdentity, accountId: string): string {
  const r = id.service === 'ec2' ? EC2_RESOURCE[id.action] : undefined;
  const value = r ? id.params?.str(r.param) : undefined;
  return r && value ? `arn:aws:ec2:${id.region}:${accountId}:${r.type}/${value}` : '*';
}

/** The request's condition keys: `ec2:Attribute/<Param>` for EC2's top-level parameters, aws:*. */
function contextOf(id: CallIdentity, principal: Principal): Map<string, string> {
  const context = new Map<string, string>([
    ['aws:principalarn', principal.arn],
    ['aws:requestedregion', id.region],
  ]);
  if (principal.session?.sourceIdentity) context.set('aws:sourceidentity', principal.session.sourceIdentity);
  if (id.service === 'ec2')
    for (const [name, value] of id.params?.entries() ?? [])
      if (!name.includes('.')) context.set(`ec2:attribute/${name.toLowerCase()}`, value);
  return context;
}

function denied(id: CallIdentity, principal: Principal, request: AuthzRequest, reason: string): ApiError {
  const who = `User: ${principal.arn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${reason}`;
  if (id.service === 'ec2')
    return new ApiError(
      'UnauthorizedOperation',
      `You are not authorized to perform this operation. ${who}. Encoded authorization failure message: emulator-${Buffer.from(request.action).toString('base64url')}`,
      403,
    );
  if (id.service === 'organizations' || id.service === 'securityhub' || id.service === 'ssm')
    return new ApiError('AccessDeniedException', who, 400);
  return new ApiError('AccessDenied', who, 403);
}

/**
 * IAM for a call made with AssumeRole credentials: the role's identity policies (when modelled)
 * and the session's policy (when one was passed). The hub's own key is not evaluated.
 */
export function authorize(id: CallIdentity, principal: Principal, role: RoleModel | undefined): void {
  const session = principal.session;
  if (!session) return;
  const request: AuthzRequest = {
    action: `${IAM_PREFIX[id.service]}:${id.action}`,
    resource: resourceOf(id, principal.accountId),
    context: contextOf(id, principal),
  };
  const decision = evaluate(role?.policies ?? null, session.sessionPolicy, request);
  if (!decision.allowed) throw denied(id, principal, request, denialReason(decision, request.action));
}
