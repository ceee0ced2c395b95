import { isLaggard, templateEnforces } from '../findings/classify.js';
import type { AccountDefault, AutoScalingGroup, HttpTokens, ScopeSnapshot } from '../findings/model.js';
import { type AmiRow, amisWithoutV2 } from './amis.js';
import { type OrgCoverage, organizationCoverage } from './coverage.js';
import type { OrganizationFacts } from './organization-facts.js';

/**
 * What `/imds guardrails`, the report's guardrails section, App Home and the CLI show, from the
 * latest snapshots and the organization's policies: per account × region the account default and
 * the launch templates whose launches still allow IMDSv1 (with the groups that launch them), the
 * AMIs without ImdsSupport v2.0 with their laggards, the organization coverage, and the three seed
 * questions answered. Pure.
 */

export interface TemplateRow {
  launchTemplateId: string;
  name: string;
  version: number;
  /** 'default': the default version; 'latest': $Latest (or another version) a group launches */
  which: 'default' | 'latest';
  /** what the version sets; null: it leaves HttpTokens out (the account default decides) */
  httpTokens: HttpTokens | null;
  /** the Auto Scaling groups (and EKS node groups behind them) launching this version */
  groups: string[];
}

export interface DefaultRow {
  httpTokens: AccountDefault['httpTokens'];
  managedBy: AccountDefault['managedBy'];
  exceptionMessage: string | null;
  /** new launches that leave HttpTokens out require tokens */
  requiresTokens: boolean;
  /** a fix-default request can change it (not owned by a declarative policy, not required yet) */
  fixable: boolean;
}

export interface ScopeGuardrails {
  accountId: string;
  region: string;
  /** null: the account default could not be read */
  accountDefault: DefaultRow | null;
  /** templates (versions) whose launches allow IMDSv1 */
  templates: TemplateRow[];
  amis: AmiRow[];
  laggards: number;
  /** what this scope's latest scan could not read (stages), so an empty list is not taken as "none" */
  missing: string[];
}

export interface GuardrailsView {
  scopes: ScopeGuardrails[];
  /** null: not an organizations-mode workflow, or no scan has read the policies yet */
  organization: (OrgCoverage & { readAt: string; scanId: string; unreadable: string[] }) | null;
  questions: {
    instancesAllowingV1: number;
    /** account × regions whose default (own, or from a declarative policy) makes new launches require tokens */
    scopesRequiringTokens: number;
    scopes: number;
    /** templates (versions) whose launches allow IMDSv1, across scopes */
    templatesAllowingV1: number;
    /** accounts an SCP denies IMDSv1 launches in, of the accounts the organization has */
    accountsWithLaunchScp: number | null;
    accounts: number | null;
  };
}

const launching = (groups: readonly AutoScalingGroup[], id: string, version: number): string[] =>
  groups
    .filter((g) => g.launchTemplate?.id === id && g.launches?.version === version)
    .map((g) => g.name)
    .sort();

function templateRows(snap: ScopeSnapshot): TemplateRow[] {
  const groups = snap.autoScalingGroups ?? [];
  const rows: TemplateRow[] = [];
  for (const t of snap.launchTemplates) {
    if (!templateEnforces(t.httpTokens, snap.accountDefault))
      rows.push({
        launchTemplateId: t.launchTemplateId,
        name: t.name,
        version: t.defaultVersion,
        which: 'default',
        httpTokens: t.httpTokens,
        groups: launching(groups, t.launchTemplateId, t.defaultVersion),
      });
    // other versions matter where a group launches them ($Latest, or a number)
    const others = new Map<number, HttpTokens | null>();
    for (const g of groups)
      if (
        g.launchTemplate?.id === t.launchTemplateId &&
        g.launches &&
        g.launches.version !== t.defaultVersion
      )
        others.set(g.launches.version, g.launches.httpTokens);
    for (const [version, httpTokens] of [...others].sort((a, b) => a[0] - b[0]))
      if (!templateEnforces(httpTokens, snap.accountDefault))
        rows.push({
          launchTemplateId: t.launchTemplateId,
          name: t.name,
          version,
          which: 'latest',
          httpTokens,
          groups: launching(groups, t.launchTemplateId, version),
        });
  }
  return rows;
}

function defaultRow(d: AccountDefault | null): DefaultRow | null {
  if (!d) return null;
  const requiresTokens = d.httpTokens === 'required';
  return {
    httpTokens: d.httpTokens,
    managedBy: d.managedBy,
    exceptionMessage: d.managedExceptionMessage,
    requiresTokens,
    fixable: !requiresTokens && d.managedBy !== 'declarative-policy',
  };
}

export function scopeGuardrails(snap: ScopeSnapshot): ScopeGuardrails {
  const laggards = snap.findings.filter(isLaggard);
  const launched = laggards.flatMap((f) =>
    f.imageId ? [{ instanceId: f.instanceId, imageId: f.imageId }] : [],
  );
  const imagesRead = !(snap.partialErrors ?? []).some((e) => e.stage === 'images');
  return {
    accountId: snap.accountId,
    region: snap.region,
    accountDefault: defaultRow(snap.accountDefault),
    templates: templateRows(snap),
    // without ImdsSupport read, every AMI would look like one without v2.0: none is listed
    amis: imagesRead ? amisWithoutV2(snap.images ?? [], launched) : [],
    laggards: laggards.length,
    missing: [...new Set((snap.partialErrors ?? []).map((e) => e.stage))],
  };
}

export function guardrailsView(
  snapshots: readonly ScopeSnapshot[],
  org: OrganizationFacts | null,
): GuardrailsView {
  const scopes = snapshots
    .map(scopeGuardrails)
    .sort((a, b) => a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region));
  const coverage = org ? organizationCoverage(org.units, org.accounts, org.policies) : null;
  const withScp = coverage?.accounts.filter((a) =>
    a.protections.some((p) => p.kind === 'launch-requires-tokens'),
  );
  return {
    scopes,
    organization:
      coverage && org
        ? {
            ...coverage,
            readAt: org.readAt,
            scanId: org.scanId,
            unreadable: org.partial.map((p) => `${p.what}: ${p.code}`),
          }
        : null,
    questions: {
      instancesAllowingV1: scopes.reduce((n, s) => n + s.laggards, 0),
      scopesRequiringTokens: scopes.filter((s) => s.accountDefault?.requiresTokens).length,
      scopes: scopes.length,
      templatesAllowingV1: scopes.reduce((n, s) => n + s.templates.length, 0),
      accountsWithLaunchScp: withScp ? withScp.length : null,
      accounts: coverage ? coverage.accounts.length : null,
    },
  };
}
