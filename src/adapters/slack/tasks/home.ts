import type { KnownBlock } from '@slack/types';
import { nonProdTwinsOf } from '../../../app/report/nonprod-twins.js';
import { groupFacts } from '../../../domain/change/approval-gates.js';
import { canRequest } from '../../../domain/change/approval-policy.js';
import { type Actor, isApprover, isSecurity } from '../../../domain/change/approval-roles.js';
import { describeChange } from '../../../domain/change/request.js';
import type { ScopeSnapshot } from '../../../domain/findings/model.js';
import { percentText } from '../../../domain/findings/summary.js';
import type { OrganizationFacts } from '../../../domain/guardrails/organization-facts.js';
import { guardrailsView } from '../../../domain/guardrails/view.js';
import { guardrailRowBlocks, guardrailsSummary } from '../blocks/guardrails-view.js';
import { twinsSummary } from '../blocks/twins.js';
import { bold, code, date, header, lines, md, section, trusted, user } from '../text.js';
import type { TaskContext } from './context.js';
import { twinDeps } from './report.js';

const ICON: Record<string, string> = {
  'in-use': ':red_circle:',
  unknown: ':white_circle:',
  ready: ':large_green_circle:',
};
const MAX_ROWS = 60;

/** Requests an approver can still decide (not their own, not already approved by them). */
async function waitingForMe(ctx: TaskContext, userId: string): Promise<KnownBlock[]> {
  const pending = await ctx.change.requests.pendingApprovals(20, { now: ctx.now(), forUser: userId });
  if (pending.length === 0)
    return [{ type: 'divider' }, section(md`${bold('Requests waiting for you')}: none.`)];
  const items = pending.map(
    (cr) =>
      md`• ${cr.id}: ${trusted(describeChange(cr))} (requested by ${user(cr.requestedBy.userId)}, expires ${date(new Date(cr.expiresAt))})`,
  );
  return [
    { type: 'divider' },
    section(
      lines(
        md`${bold(md`Requests waiting for you: ${pending.length}`)} (decide on their cards in the approvers' channel)`,
        ...items,
      ),
    ),
  ];
}

/**
 * The guardrails section: the seed questions, then, for someone the approval policy lets file the
 * fix-template and fix-default requests, the rows of `/imds guardrails` with their Fix buttons.
 */
function guardrailsSection(
  ctx: TaskContext,
  actor: Actor,
  snapshots: readonly ScopeSnapshot[],
  org: OrganizationFacts | null,
): KnownBlock[] {
  const view = guardrailsView(snapshots, org);
  const facts = groupFacts(true);
  const mayFix = (['launch-template-fix', 'account-default'] as const).every(
    (kind) => canRequest(actor, kind, facts, ctx.workflow.approvals).allowed,
  );
  return [section(guardrailsSummary(view)), ...(mayFix ? guardrailRowBlocks(view) : [])];
}

/** App Home: my laggards (all of them, past what a digest can show), and fleet KPIs for security. */
export async function homeView(ctx: TaskContext, userId: string) {
  const blocks: KnownBlock[] = [header('IMDSv2 migration')];
  const data = await ctx.slackState.home(userId);
  if (data && data.total > 0) {
    const rows = data.rows.slice(0, MAX_ROWS);
    blocks.push(
      section(
        md`${bold(md`Your laggards: ${data.total}`)} (as of ${date(new Date(data.at))}). Each still accepts IMDSv1; :large_green_circle: ready to enforce, :red_circle: still uses IMDSv1, :white_circle: unknown.`,
      ),
    );
    for (let i = 0; i < rows.length; i += 15) {
      blocks.push(
        section(
          lines(
            ...rows
              .slice(i, i + 15)
              .map(
                (r) =>
                  md`${ICON[r.readiness] ?? ''} ${code(r.instanceId)} ${r.name ?? ''} — ${r.accountId}/${r.region}${r.calls > 0 ? md` — ${r.calls} IMDSv1 calls` : md``}`,
              ),
          ),
        ),
      );
    }
    if (data.total > rows.length)
      blocks.push(
        section(
          md`…and ${data.total - rows.length} more. ${code('/imds status <instance-id>')} tells about any of them.`,
        ),
      );
  } else {
    blocks.push(
      section(
        md`:tada: No laggards tagged as yours. ${code('/imds status <instance-id>')} tells about any instance you own.`,
      ),
    );
  }
  const actor = await ctx.access.actorFor(userId, null);
  if (isApprover(actor, ctx.workflow.approvals)) blocks.push(...(await waitingForMe(ctx, userId)));
  if (isSecurity(actor, ctx.workflow.approvals)) {
    const [last] = (await ctx.findings.recentScans(20)).filter((r) => r.filter === null);
    const s = last?.summary as
      | { instances?: number; laggards?: number; percentCompliant?: number | null; v1Calls?: number }
      | undefined;
    blocks.push({ type: 'divider' });
    blocks.push(
      section(
        last && s
          ? md`${bold('Fleet')} (scan ${last.scanId}, ${date(new Date(last.finishedAt))}): ${s.instances ?? 0} instances, ${percentText(s.percentCompliant ?? null)} not accepting IMDSv1, ${s.laggards ?? 0} laggards, ${s.v1Calls ?? 0} IMDSv1 calls in the window. Since the scan before: ${last.diff.new} new, ${last.diff.fixed} fixed, ${last.diff.regressed} regressed.`
          : md`${bold('Fleet')}: no full scan yet.`,
      ),
    );
    const snapshots = last ? await ctx.findings.latestSnapshots() : [];
    if (snapshots.length > 0)
      blocks.push(
        section(twinsSummary(await nonProdTwinsOf(twinDeps(ctx), snapshots))),
        ...guardrailsSection(ctx, actor, snapshots, (await ctx.organization?.latest()) ?? null),
      );
  }
  return { type: 'home', blocks };
}
