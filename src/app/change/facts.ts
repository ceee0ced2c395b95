import { factsFromFinding } from '../../domain/change/approval-gates.js';
import type { Actor, TargetFacts } from '../../domain/change/approval-roles.js';
import type { ChangeRequest, Person } from '../../domain/change/request-schema.js';
import type { Finding } from '../../domain/findings/model.js';
import type { ChangeContext } from './context.js';

/** The facts the policy decides on, read fresh at request and at click time. */
export async function factsOf(ctx: ChangeContext, f: Finding): Promise<TargetFacts> {
  const route = await ctx.directory.routeOf(f);
  return factsFromFinding(f, {
    ownerUserId: route?.kind === 'user' ? route.userId : null,
    botHost: ctx.botHost,
  });
}

/** Facts for targets that are not one instance: a template, a default, a bulk. */
export function groupFacts(isProd: boolean, ownerUserId: string | null = null): TargetFacts {
  return {
    instanceId: null,
    readiness: null,
    isProd,
    ownerUserId,
    asg: null,
    templateRisk: null,
    containerHost: null,
    botHost: null,
  };
}

/** The facts of a request's target as they are now. */
export async function currentFacts(
  ctx: ChangeContext,
  cr: ChangeRequest,
): Promise<{ facts: TargetFacts; finding: Finding | null }> {
  const t = cr.target;
  if (t.type === 'instance') {
    const finding = await ctx.findings.locate(t.instanceId);
    return { facts: finding ? await factsOf(ctx, finding) : groupFacts(false), finding };
  }
  // production was weighed when the request fixed its approvals; a group's facts carry no more
  return { facts: groupFacts(false, t.type === 'bulk' ? t.owner : null), finding: null };
}

export const personOf = (actor: Actor, name: string): Person => ({ userId: actor.userId, name });
