import { RequestButtonValue, requestActionOf } from './actions.js';
import { decisionModal, decisionSubmission } from './blocks/decision.js';
import { errorAnswer } from './blocks/metadata.js';
import type { ActionArgs, ListenerDeps, ViewArgs } from './listener-types.js';
import { RefreshButtonValue } from './refresh-offers.js';
import { lostRequestMessage } from './tasks/changes.js';
import { code, type Mrkdwn, md } from './text.js';
import { ephemeral } from './web.js';

type Asks = 'override' | 'confirm' | 'reason';

/** What an approval of this request needs to ask, read now (the card carries only the id). */
async function approvalAsks(
  deps: ListenerDeps,
  requestId: string,
): Promise<{ asks: Asks | null; explain: Mrkdwn }> {
  const cr = await deps.requests.get(requestId);
  const f =
    cr?.kind === 'enforce' && cr.target.type === 'instance'
      ? await deps.findings.locate(cr.target.instanceId)
      : null;
  if (f?.readiness === 'in-use') {
    const calls = md`${f.usage?.noTokenCalls ?? '?'} IMDSv1 calls in the window (last ${f.usage?.lastSeen ?? '?'})`;
    return {
      asks: 'override',
      explain: md`:red_circle: ${code(f.instanceId)} still made ${calls}. Enforcing breaks whatever makes them.`,
    };
  }
  if (f?.readiness === 'unknown') {
    return {
      asks: 'confirm',
      explain: md`:white_circle: CloudWatch has no MetadataNoToken data for ${code(f.instanceId)}: its IMDSv1 use is unknown. Enforce anyway?`,
    };
  }
  return { asks: null, explain: md`` };
}

/** Check status on an approved / applying card: its state now, or that the bot lost it. */
async function statusCheck(deps: ListenerDeps, requestId: string, responseUrl: string | null): Promise<void> {
  if (!responseUrl) return;
  const cr = await deps.requests.get(requestId);
  const message = cr
    ? ephemeral(md`${requestId} is ${cr.state}; its card updates itself as it goes.`)
    : lostRequestMessage(requestId);
  await deps.out.add({ kind: 'respond', responseUrl, message });
}

/** Refresh <group> on an applied template fix: queued; the task files the refresh request. */
async function refreshClick(deps: ListenerDeps, { body, action }: Pick<ActionArgs, 'body' | 'action'>) {
  const v = RefreshButtonValue.parse(action.value);
  if (!v) return;
  await deps.tasks.add({
    kind: 'cr-refresh',
    requestId: v.requestId,
    index: v.index,
    user: { id: body.user.id, name: body.user.name ?? body.user.id },
    channelId: body.channel?.id ?? null,
    responseUrl: body.response_url ?? null,
  });
}

/**
 * Approve / Deny / Request rollback on a request card. Someone who may not decide it is refused at
 * once (no modal). An in-use instance needs an override reason, an unknown one a confirmation, a
 * denial or rollback a reason: modals open at once (trigger ids die after 3 s); the rest queues.
 */
export async function onRequestAction(
  deps: ListenerDeps,
  { body, action, ack, client }: ActionArgs,
): Promise<void> {
  await ack();
  const kind = requestActionOf(action.action_id);
  if (!kind) return;
  if (kind === 'refresh') return refreshClick(deps, { body, action });
  const { requestId, instanceId } = RequestButtonValue.parse(action.value);
  const one = kind === 'rollback' && instanceId ? { instanceId } : {};
  const where = { channelId: body.channel?.id ?? null, responseUrl: body.response_url ?? null };
  if (kind === 'status') return statusCheck(deps, requestId, where.responseUrl);
  const user = { id: body.user.id, name: body.user.name ?? body.user.id };
  const refused = await deps.precheck({ action: kind, requestId, user, channelId: where.channelId });
  if (refused) {
    if (where.responseUrl)
      await deps.out.add({ kind: 'respond', responseUrl: where.responseUrl, message: refused });
    return;
  }
  const need =
    kind === 'approve'
      ? await approvalAsks(deps, requestId)
      : {
          asks: 'reason' as const,
          explain:
            kind === 'deny'
              ? md`Deny this change request.`
              : md`Request a rollback to the state captured before the change; another approver confirms it.`,
        };
  if (need.asks === null) {
    await deps.tasks.add({ kind: 'cr-decision', action: kind, requestId, user, ...where, ...one });
    return;
  }
  const view = decisionModal(
    { action: kind, asks: need.asks, requestId, ...where, ...one },
    need.explain,
    deps.workflow.approvals.overrideReasonMinLength,
  );
  await client.views.open({ trigger_id: body.trigger_id, view: view as never });
}

export async function onDecisionSubmit(deps: ListenerDeps, { ack, view, body }: ViewArgs): Promise<void> {
  const parsed = decisionSubmission(view, deps.workflow.approvals.overrideReasonMinLength);
  if (!parsed.ok) return ack(errorAnswer(view.blocks, parsed.errors));
  await ack();
  const m = parsed.meta;
  await deps.tasks.add({
    kind: 'cr-decision',
    action: m.action,
    requestId: m.requestId,
    ...(m.instanceId ? { instanceId: m.instanceId } : {}),
    user: { id: body.user.id, name: body.user.name },
    channelId: m.channelId,
    responseUrl: m.responseUrl,
    ...(m.asks === 'override' ? { overrideReason: parsed.text } : {}),
    ...(m.asks === 'confirm' ? { confirmed: true } : {}),
    ...(m.asks === 'reason' ? { reason: parsed.text } : {}),
  });
}
