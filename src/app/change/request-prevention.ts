import { groupFacts } from '../../domain/change/approval-gates.js';
import type { ChangeTarget, Person } from '../../domain/change/request-schema.js';
import { nothing, say } from '../../domain/message.js';
import type { Where } from '../../domain/ports/notifier.js';
import type { ChangeContext } from './context.js';
import { file, type RequestOutcome } from './request-file.js';

/** Requests that stop new instances from allowing IMDSv1: the launch template and the account default. */

/** A new launch-template version requiring IMDSv2, made the default. Security only. */
export async function requestTemplateFix(
  ctx: ChangeContext,
  t: { accountId: string; region: string; launchTemplateId: string },
  by: Person,
  groups: readonly string[],
  where: Where,
): Promise<RequestOutcome> {
  const target: ChangeTarget = { type: 'launch-template', ...t };
  const notes = [
    say`Instances launched from the template afterwards require IMDSv2; running ones are unchanged.`,
  ];
  return file(ctx, {
    kind: 'launch-template-fix',
    target,
    resource: t.launchTemplateId,
    facts: groupFacts(true),
    by,
    groups,
    reason: null,
    before: null,
    notes,
    where,
  });
}

/** The account's default for new instances in a region. Refused up front under a declarative policy. */
export async function requestAccountDefault(
  ctx: ChangeContext,
  scope: { accountId: string; region: string },
  by: Person,
  groups: readonly string[],
  where: Where,
): Promise<RequestOutcome> {
  const snap = await ctx.findings.getSnapshot(scope);
  const current = snap?.accountDefault;
  if (current?.managedBy === 'declarative-policy') {
    return {
      ok: false,
      reason: say`The instance metadata default of ${scope.accountId}/${scope.region} is owned by an AWS Organizations declarative policy${current.managedExceptionMessage ? say` (${current.managedExceptionMessage})` : nothing}: change it in the organization's management account, not here.`,
    };
  }
  if (current?.httpTokens === 'required')
    return {
      ok: false,
      reason: say`${scope.accountId}/${scope.region} already defaults new instances to IMDSv2.`,
    };
  const target: ChangeTarget = { type: 'account-default', ...scope };
  const before = current
    ? {
        httpTokens: current.httpTokens,
        httpEndpoint: current.httpEndpoint,
        instanceMetadataTags: current.instanceMetadataTags,
        ...(current.hopLimit === null ? {} : { hopLimit: current.hopLimit }),
      }
    : null;
  return file(ctx, {
    kind: 'account-default',
    target,
    resource: 'account-default',
    facts: groupFacts(true),
    by,
    groups,
    reason: null,
    before,
    notes: [say`New instances in this account and region will require IMDSv2 unless they say otherwise.`],
    where,
  });
}
