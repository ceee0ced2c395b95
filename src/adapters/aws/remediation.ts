import { createDefaultsRemediation } from './remediation-defaults.js';
import { createInstanceRemediation, type InstanceRemediationOptions } from './remediation-instance.js';
import { createTemplateRemediation } from './remediation-templates.js';

/**
 * The adapter that changes production: instance metadata options, launch template defaults and
 * the account default, each read first (no call when nothing has to change), changed with every
 * option explicit, then read back and verified. Each change has its restore (rollback).
 * Every AWS error comes out as a CodedError (src/aws/errors.ts): throttling and 5xx are transient,
 * so the job retries; our own codes (permanent unless said):
 *   instance-not-found, instance-terminated, launch-template-not-found, declarative-policy,
 *   verify-mismatch, unexpected-response, apply-timeout (transient).
 * Rate limiting: `beforeCall` (see RemediationDeps) runs before every AWS call; make one
 * remediation per account x region and let it take tokens from src/store/rate-limit.ts.
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
