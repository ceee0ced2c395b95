import type { ProtectionKind } from '../domain/guardrails/scp.js';
import type { GuardrailsView } from '../domain/guardrails/view.js';

/**
 * The guardrails as a stable JSON object: `imds-bot guardrails --format json` prints it and
 * `imds-bot report --format json` carries it as `guardrails`. Spelled out field by field here (not
 * the domain view as it happens to be), so a change of the view does not change what a consumer
 * reads; `version` goes up when a field changes meaning or goes away. Pure.
 */
export interface GuardrailsJson {
  version: 1;
  /** the seed questions answered */
  questions: GuardrailsView['questions'];
  /** one per account × region of the latest snapshots, by account then region */
  scopes: {
    accountId: string;
    region: string;
    laggards: number;
    /** the stages this scope's latest scan could not read: an empty list below is then not "none" */
    missing: string[];
    /** null: the account default could not be read */
    accountDefault: {
      httpTokens: string;
      managedBy: string;
      requiresTokens: boolean;
      fixable: boolean;
      exceptionMessage: string | null;
    } | null;
    /** template versions whose launches allow IMDSv1 */
    templates: {
      launchTemplateId: string;
      name: string;
      version: number;
      which: 'default' | 'latest';
      httpTokens: string | null;
      groups: string[];
    }[];
    /** AMIs without ImdsSupport v2.0 that laggards run */
    amis: { imageId: string; name: string | null; described: boolean; instances: string[] }[];
  }[];
  /** null: not an organizations-mode workflow, or no scan has read the policies yet */
  organization: {
    scanId: string;
    readAt: string;
    accounts: {
      accountId: string;
      name: string;
      path: string[];
      protections: { kind: ProtectionKind; policyId: string; policyName: string; attachedTo: string }[];
      /** statements that protect only part, and why */
      partial: { kind: ProtectionKind; policyName: string; attachedTo: string; why: string | null }[];
      missing: ProtectionKind[];
      declarativeRequiresTokens: boolean;
    }[];
    unprotectedOus: { id: string; name: string; path: string[] }[];
    unreadable: string[];
  } | null;
}

export function guardrailsJson(v: GuardrailsView): GuardrailsJson {
  const org = v.organization;
  return {
    version: 1,
    questions: { ...v.questions },
    scopes: v.scopes.map((s) => ({
      accountId: s.accountId,
      region: s.region,
      laggards: s.laggards,
      missing: [...s.missing],
      accountDefault: s.accountDefault
        ? {
            httpTokens: s.accountDefault.httpTokens,
            managedBy: s.accountDefault.managedBy,
            requiresTokens: s.accountDefault.requiresTokens,
            fixable: s.accountDefault.fixable,
            exceptionMessage: s.accountDefault.exceptionMessage,
          }
        : null,
      templates: s.templates.map((t) => ({
        launchTemplateId: t.launchTemplateId,
        name: t.name,
        version: t.version,
        which: t.which,
        httpTokens: t.httpTokens,
        groups: [...t.groups],
      })),
      amis: s.amis.map((a) => ({
        imageId: a.imageId,
        name: a.name,
        described: a.described,
        instances: [...a.instances],
      })),
    })),
    organization: org
      ? {
          scanId: org.scanId,
          readAt: org.readAt,
          accounts: org.accounts.map((a) => ({
            accountId: a.accountId,
            name: a.name,
            path: [...a.path],
            protections: a.protections.map((p) => ({
              kind: p.kind,
              policyId: p.policyId,
              policyName: p.policyName,
              attachedTo: p.attachedTo,
            })),
            partial: a.partial.map((p) => ({
              kind: p.kind,
              policyName: p.policyName,
              attachedTo: p.attachedTo,
              why: p.partial,
            })),
            missing: [...a.missing],
            declarativeRequiresTokens: a.declarativeRequiresTokens,
          })),
          unprotectedOus: org.unprotectedOus.map((o) => ({ id: o.id, name: o.name, path: [...o.path] })),
          unreadable: [...org.unreadable],
        }
      : null,
  };
}
