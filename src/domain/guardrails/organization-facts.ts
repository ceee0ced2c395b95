import { z } from 'zod';

/**
 * What a scan in organizations mode reads once from the hub: the OU tree, the accounts in it, the
 * SCPs and EC2 declarative policies with their targets, and what could not be read. Stored with
 * the scan (read back through this schema) for `/imds guardrails`, the report and App Home.
 */

export const OrgUnitFact = z.object({ id: z.string(), name: z.string(), parentId: z.string().nullable() });
export const OrgAccountFact = z.object({ id: z.string(), name: z.string(), parentId: z.string() });
export const OrgPolicyFact = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(['SERVICE_CONTROL_POLICY', 'DECLARATIVE_POLICY_EC2']),
  content: z.string(),
  targets: z.array(z.string()),
});

export const OrganizationPolicies = z.object({
  units: z.array(OrgUnitFact),
  accounts: z.array(OrgAccountFact),
  policies: z.array(OrgPolicyFact),
  /** a policy type (or one policy) that could not be read, with why */
  partial: z.array(z.object({ what: z.string(), code: z.string(), message: z.string() })),
});
export type OrganizationPolicies = z.infer<typeof OrganizationPolicies>;

export const OrganizationFacts = OrganizationPolicies.extend({
  scanId: z.string(),
  readAt: z.string(),
});
export type OrganizationFacts = z.infer<typeof OrganizationFacts>;
