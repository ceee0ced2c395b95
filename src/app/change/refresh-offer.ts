import { nodegroupUpdate, type RefreshGroup } from '../../domain/change/instance-refresh.js';
import type { ChangeRequest } from '../../domain/change/request-schema.js';
import { errorMessage } from '../../domain/errors.js';
import { managerOf } from '../../domain/findings/group-manager.js';
import type { ScopeSnapshot } from '../../domain/findings/model.js';
import { code, type Message, say } from '../../domain/message.js';
import { type ChangeContext, changeBy } from './context.js';

/** What an applied launch-template fix offers for the Auto Scaling groups launching the template. */

/** The account default requires tokens: a template that leaves HttpTokens unset launches IMDSv2-only. */
export const defaultRequires = (snap: ScopeSnapshot | null): boolean =>
  snap?.accountDefault?.httpTokens === 'required';

/** The thread line of one group launching the fixed template: a refresh, or the node-group update. */
function offerLine(cr: ChangeRequest & { target: { type: 'launch-template' } }, g: RefreshGroup): Message {
  const t = cr.target;
  const manager = managerOf(g.tags);
  if (manager?.kind === 'eks')
    return say`• ${g.name} (EKS node group ${manager.nodegroup}): update the node group: ${nodegroupUpdate(manager, t.launchTemplateId, g.defaultVersion?.version ?? null)}`;
  const ecs = manager?.kind === 'ecs' ? say` (ECS capacity provider)` : say``;
  return say`• ${g.name}${ecs}: ${String(g.instanceCount)} running instance(s) keep IMDSv1 until replaced: ${code(`/imds refresh ${g.name} ${t.accountId} ${t.region}`)}`;
}

/**
 * After a template fix is verified: the groups launching the template are read; those that now
 * launch the fixed version no longer undo an instance's fix on replace (their findings say so at
 * once), and the card offers each group with running instances a refresh (EKS node groups: the
 * node-group update instead, in the thread). A failure to list them is said, not thrown: the fix
 * itself is done.
 */
export async function offerRefreshes(ctx: ChangeContext, cr: ChangeRequest): Promise<void> {
  const t = cr.target;
  if (cr.kind !== 'launch-template-fix' || t.type !== 'launch-template') return;
  let found: RefreshGroup[];
  try {
    found = await (await ctx.autoScalingFor(t, changeBy(cr))).groupsUsing(t.launchTemplateId);
  } catch (err) {
    await ctx.notifier.changed(
      cr,
      say`Could not list the Auto Scaling groups launching it: ${errorMessage(err)}`,
    );
    return;
  }
  if (found.length === 0) return;
  const byDefault = defaultRequires(await ctx.findings.getSnapshot(t));
  const requires = (g: RefreshGroup) =>
    g.launches?.httpTokens === 'required' || (g.launches?.httpTokens === null && byDefault);
  const fixedNow = new Set(found.filter(requires).map((g) => g.name));
  await ctx.findings.patchSnapshot(t, (s) => ({
    ...s,
    findings: s.findings.map((f) =>
      f.asg && fixedNow.has(f.asg) && f.templateRisk === 'asg-unfixed-template'
        ? { ...f, templateRisk: 'asg-fixed-template' as const }
        : f,
    ),
  }));
  const withInstances = found.filter((g) => g.instanceCount > 0);
  const refreshable = withInstances.filter((g) => managerOf(g.tags)?.kind !== 'eks').map((g) => g.name);
  // the card is drawn from the request as it is now (applied), not as the apply job first read it
  const fresh = (await ctx.requests.get(cr.id)) ?? cr;
  if (refreshable.length > 0) await ctx.notifier.offerRefresh(fresh, refreshable);
  if (withInstances.length === 0) return;
  const typedCr = cr as ChangeRequest & { target: { type: 'launch-template' } };
  await ctx.notifier.changed(
    cr,
    say`${String(withInstances.length)} Auto Scaling group(s) launch this template; their running instances change only when replaced:\n${withInstances.map((g) => offerLine(typedCr, g)).reduce((a, b) => say`${a}\n${b}`)}`,
  );
}
