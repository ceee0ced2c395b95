import { factsFromFinding } from '../../domain/change/approval-gates.js';
import type { Actor, TargetFacts } from '../../domain/change/approval-roles.js';
import type { Person } from '../../domain/change/request-schema.js';
import type { Finding } from '../../domain/findings/model.js';
import type { ChangeContext } from './context.js';

/** The facts the policy decides on, read fresh at request and at click time. */
export async function factsOf(ctx: ChangeContext, f: Finding): Promise<TargetFacts> {
  return factsFromFinding(f, { ownerUserId: await ctx.owners.userOf(f), botHost: ctx.botHost });
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

export interface CurrentFacts {
  facts: TargetFacts;
  finding: Finding | null;
}

/** The facts of one instance as the findings have it now. */
export async function instanceFacts(ctx: ChangeContext, instanceId: string): Promise<CurrentFacts> {
  const finding = await ctx.findings.locate(instanceId);
  return { facts: finding ? await factsOf(ctx, finding) : groupFacts(false), finding };
}

export const personOf = (actor: Actor, name: string): Person => ({ userId: actor.userId, name });
