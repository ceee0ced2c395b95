import type { EC2Client } from '@aws-sdk/client-ec2';
import type { AuditSession } from '../../domain/change/audit-chain.js';
import type { Scope } from '../../domain/findings/model.js';
import type { Remediation as RemediationPort } from '../../domain/ports/remediation.js';
import { createDefaultsRemediation } from './remediation-defaults.js';
import { createInstanceRemediation, type InstanceRemediationOptions } from './remediation-instance.js';
import { createTemplateRemediation } from './remediation-templates.js';

/**
 * The adapter that changes production: instance metadata options, launch template defaults and
 * the account default, each read first (no call when nothing has to change), changed with every
 * option explicit, then read back and verified. Each change has its restore (rollback).
 * Every AWS error comes out as a CodedError (src/adapters/aws/errors.ts): throttling and 5xx are
 * transient, so the job retries; our own codes (permanent unless said):
 *   instance-not-found, instance-terminated, launch-template-not-found, declarative-policy,
 *   verify-mismatch, unexpected-response, apply-timeout (transient).
 * Rate limiting: `beforeCall` (see RemediationDeps) runs before every AWS call; make one
 * remediation per account x region and let it take tokens from src/adapters/redis/rate-limit.ts.
 */
export type RemediationOptions = InstanceRemediationOptions;

export function createRemediation(opts: RemediationOptions) {
  return {
    ...createInstanceRemediation(opts),
    ...createTemplateRemediation(opts),
    ...createDefaultsRemediation(opts),
  };
}
export type Remediation = ReturnType<typeof createRemediation>;

/**
 * The Remediation port (src/domain/ports/remediation.ts) of one account x region: its EC2 client bound, and
 * the STS session that client's credentials come from (null: the hub's own).
 */
export function remediationIn(
  r: Remediation,
  ec2: EC2Client,
  scope: Scope,
  session: AuditSession | null,
): RemediationPort {
  return {
    session,
    readInstanceOptions: (instanceId) => r.readInstanceOptions(ec2, instanceId),
    enforceInstance: (instanceId, options, onBefore, known) =>
      r.enforceInstance(ec2, instanceId, options, onBefore, known),
    restoreInstance: (instanceId, before) => r.restoreInstance(ec2, instanceId, before),
    fixLaunchTemplate: (id) => r.fixLaunchTemplate(ec2, id),
    restoreLaunchTemplate: (id, previous) => r.restoreLaunchTemplate(ec2, id, previous),
    setAccountDefault: (target) => r.setAccountDefault(ec2, scope, target),
    restoreAccountDefault: (previous) => r.restoreAccountDefault(ec2, scope, previous),
  };
}
