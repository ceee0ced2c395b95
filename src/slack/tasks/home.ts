import { z } from 'zod';
import { isApprover, isSecurity } from '../../domain/approval-policy.js';
import { describeChange } from '../../domain/change-request.js';
import type { TaskContext } from './context.js';

const HomeData = z.object({
  at: z.string(),
  total: z.number(),
  rows: z.array(
    z.object({
      instanceId: z.string(),
      name: z.string().nullable(),
      accountId: z.string(),
      region: z.string(),
      readiness: z.string(),
      calls: z.number(),
    }),
  ),
});

const ICON: Record<string, string> = {
  'in-use': ':red_circle:',
  unknown: ':white_circle:',
  ready: ':large_green_circle:',
};
const MAX_ROWS = 60;

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 2990) } });

/** Requests an approver can still decide (not their own, not already approved by them). */
async function waitingForMe(ctx: TaskContext, userId: string): Promise<Record<string, unknown>[]> {
  const pending = await ctx.change.requests.pendingApprovals(20, { now: ctx.now(), forUser: userId });
  if (pending.length === 0) return [{ type: 'divider' }, section('*Requests waiting for you*: none.')];
  const lines = pending.map(
    (cr) =>
      `• ${cr.id}: ${describeChange(cr)} (requested by <@${cr.requestedBy.userId}>, expires ${cr.expiresAt.slice(0, 16)}Z)`,
  );
  return [
    { type: 'divider' },
    section(
      `*Requests waiting for you: ${pending.length}* (decide on their cards in the approvers' channel)\n${lines.join('\n')}`,
    ),
  ];
}

/** App Home: my laggards (all of them, past what a digest can show), and fleet KPIs for security. */
export async function homeView(ctx: TaskContext, userId: string) {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: 'IMDSv2 migration' } },
  ];
  const raw = await ctx.redis.get(`${ctx.prefix}:home:${userId}`);
  const data = raw ? HomeData.safeParse(JSON.parse(raw)) : null;
  if (data?.success && data.data.total > 0) {
    const rows = data.data.rows.slice(0, MAX_ROWS);
    blocks.push(
      section(
        `*Your laggards: ${data.data.total}* (as of ${data.data.at.slice(0, 16)}Z). Each still accepts IMDSv1; :large_green_circle: ready to enforce, :red_circle: still uses IMDSv1, :white_circle: unknown.`,
      ),
    );
    for (let i = 0; i < rows.length; i += 15) {
      blocks.push(
        section(
          rows
            .slice(i, i + 15)
            .map(
              (r) =>
                `${ICON[r.readiness] ?? ''} \`${r.instanceId}\` ${r.name ?? ''} — ${r.accountId}/${r.region}${r.calls > 0 ? ` — ${r.calls} IMDSv1 calls` : ''}`,
            )
            .join('\n'),
        ),
      );
    }
    if (data.data.total > rows.length)
      blocks.push(
        section(
          `…and ${data.data.total - rows.length} more. \`/imds status <instance-id>\` tells about any of them.`,
        ),
      );
  } else {
    blocks.push(
      section(
        ':tada: No laggards tagged as yours. `/imds status <instance-id>` tells about any instance you own.',
      ),
    );
  }
  const actor = await ctx.access.actorFor(userId, null);
  if (isApprover(actor, ctx.workflow.approvals)) blocks.push(...(await waitingForMe(ctx, userId)));
  if (isSecurity(actor, ctx.workflow.approvals)) {
    const [last] = (await ctx.app.store.recentScans(20)).filter((r) => r.filter === null);
    const s = last?.summary as
      | { instances?: number; laggards?: number; percentCompliant?: number; v1Calls?: number }
      | undefined;
    blocks.push({ type: 'divider' });
    blocks.push(
      section(
        last && s
          ? `*Fleet* (scan ${last.scanId}, ${last.finishedAt.slice(0, 16)}Z): ${s.instances} instances, ${s.percentCompliant}% not accepting IMDSv1, ${s.laggards} laggards, ${s.v1Calls} IMDSv1 calls in the window. Since the scan before: ${last.diff.new} new, ${last.diff.fixed} fixed, ${last.diff.regressed} regressed.`
          : '*Fleet*: no full scan yet.',
      ),
    );
  }
  return { type: 'home', blocks };
}
