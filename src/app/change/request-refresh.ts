import { groupFacts } from '../../domain/change/approval-gates.js';
import { planRefresh, type RefreshGroup } from '../../domain/change/instance-refresh.js';
import type { Person } from '../../domain/change/request-schema.js';
import { CodedError } from '../../domain/errors.js';
import { say } from '../../domain/message.js';
import type { Where } from '../../domain/ports/notifier.js';
import type { ChangeContext } from './context.js';
import { defaultRequires } from './refresh-offer.js';
import { file, type RequestOutcome } from './request-file.js';

/**
 * Rolling an Auto Scaling group onto its fixed launch template: the refresh request (security asks,
 * approvers approve, as for the template fix itself). What a fix offers is in refresh-offer.ts.
 */

type Group = { accountId: string; region: string; asgName: string };

/** An instance refresh of one group, planned now (what it starts is fixed in the request). */
export async function requestRefresh(
  ctx: ChangeContext,
  t: Group,
  by: Person,
  groups: readonly string[],
  where: Where,
): Promise<RequestOutcome> {
  let g: RefreshGroup | null;
  try {
    // read with a change session named for the requester (the scan session may not read refreshes)
    const planning = { requestId: 'planning', approver: { userId: by.userId, name: by.name } };
    g = await (await ctx.autoScalingFor(t, planning)).group(t.asgName);
  } catch (err) {
    if (!(err instanceof CodedError) || err.transient) throw err;
    return { ok: false, reason: say`Could not read Auto Scaling group ${t.asgName}: ${err.message}` };
  }
  if (!g)
    return { ok: false, reason: say`No Auto Scaling group ${t.asgName} in ${t.accountId}/${t.region}.` };
  const snap = await ctx.findings.getSnapshot(t);
  const planned = planRefresh(g, {
    accountId: t.accountId,
    region: t.region,
    settings: ctx.workflow.refresh,
    defaultRequires: defaultRequires(snap),
  });
  if (!planned.ok) return { ok: false, reason: planned.reason };
  const isProd = snap?.findings.some((f) => f.asg === t.asgName && f.risk.prod) ?? false;
  return file(ctx, {
    kind: 'instance-refresh',
    target: { type: 'asg', ...t },
    resource: `asg:${t.asgName}`,
    facts: groupFacts(isProd),
    by,
    groups,
    reason: null,
    before: planned.plan,
    notes: planned.notes,
    where,
  });
}
