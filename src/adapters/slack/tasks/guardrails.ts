import { recordRefusal, unknownTarget } from '../../../app/change/audit.js';
import { guardrailsView, scopeGuardrails } from '../../../domain/guardrails/view.js';
import { GuardrailFixValue } from '../actions.js';
import { guardrailsMessage } from '../blocks/guardrails-view.js';
import { code, md } from '../text.js';
import { ephemeral, type ResponseMessage } from '../web.js';
import { changeCommand } from './changes.js';
import type { TaskContext } from './context.js';
import type { SlackTask } from './schema.js';

/** `/imds guardrails [account-id]`: from the latest snapshots and the organization's policies. */
export async function guardrailsReply(ctx: TaskContext, accountId: string | null): Promise<ResponseMessage> {
  const snaps = await ctx.findings.latestSnapshots(accountId ?? undefined);
  if (snaps.length === 0)
    return ephemeral(
      accountId
        ? md`No scan has seen account ${accountId} yet: run ${code(`/imds scan ${accountId}`)} first.`
        : md`No scan has finished yet: run ${code('/imds scan')} first.`,
    );
  const org = (await ctx.organization?.latest()) ?? null;
  const m = guardrailsMessage(guardrailsView(snaps, org));
  return { response_type: 'ephemeral', text: m.text, blocks: m.blocks };
}

type FixTask = Extract<SlackTask, { kind: 'guardrail-fix' }>;

/**
 * A Fix button of `/imds guardrails` or of App Home (no channel: the request card still goes to the
 * approvers' channel): its value read through its schema (a forged one is refused and
 * audited, like a digest button), then checked against the latest scan (a template fixed or gone
 * since is out of date), then the same fix-template / fix-default request the command files.
 */
export async function guardrailFix(ctx: TaskContext, task: FixTask): Promise<ResponseMessage> {
  const fix = GuardrailFixValue.parse(task.value);
  const actor = { userId: task.user.id, name: task.user.name };
  if (!fix) {
    const reason = md`This button is not from a current imds-bot guardrails report: run ${code('/imds guardrails')} for the latest.`;
    await recordRefusal(ctx, {
      actor,
      action: 'guardrail-fix',
      target: unknownTarget(`button:${task.value}`),
      code: 'unknown-button',
      reason: reason.text,
    });
    return ephemeral(reason);
  }
  const scope = { accountId: fix.accountId, region: fix.region };
  const snap = await ctx.findings.getSnapshot(scope);
  const now = snap ? scopeGuardrails(snap) : null;
  const current =
    fix.kind === 'fix-template'
      ? now?.templates.some((t) => t.launchTemplateId === fix.launchTemplateId)
      : now?.accountDefault?.fixable;
  if (!current) {
    const what =
      fix.kind === 'fix-template' ? md`Template ${code(fix.launchTemplateId)}` : md`The account default`;
    return ephemeral(
      md`${what} in ${fix.accountId}/${fix.region} no longer allows IMDSv1 by the latest scan (or is gone): nothing to fix. Run ${code('/imds guardrails')} for the latest.`,
    );
  }
  const { groups } = await ctx.access.actorFor(task.user.id, task.channelId);
  const cmd =
    fix.kind === 'fix-template'
      ? { name: 'fix-template' as const, args: { ...scope, launchTemplateId: fix.launchTemplateId } }
      : { name: 'fix-default' as const, args: scope };
  return changeCommand(ctx, task.user, groups, task.channelId, cmd);
}
