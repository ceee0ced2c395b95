import type { Button, KnownBlock } from '@slack/types';
import { routeChannel } from '../../../app/digest/plan-digests.js';
import { approversChannelOf } from '../../../config/slack-schema.js';
import { instanceKey } from '../../../domain/findings/model.js';
import type { Rejection } from '../../../domain/findings/scan.js';
import { CR_ACTIONS, requestButtonValue } from '../actions.js';
import { code, md, notification, plainText, section } from '../text.js';
import type { TaskContext } from './context.js';

const ALERT_EVERY_SECONDS = 86_400;

/**
 * After an enforcement, something on the instance still calls IMDSv1 and is now refused: the
 * owner and the approvers hear at once (at most daily per instance), with a one-click rollback
 * request on the approvers' message.
 */
export async function alertRejections(ctx: TaskContext, items: Rejection[]): Promise<number> {
  let sent = 0;
  for (const r of items) {
    const key = instanceKey(r);
    if (!(await ctx.slackState.claimRejectionAlert(key, ALERT_EVERY_SECONDS))) continue;
    const requestId = await ctx.findings.watchRequest(key);
    const f = await ctx.findings.locate(r.instanceId);
    const by = requestId ? md` by ${requestId}` : md``;
    const text = md`:rotating_light: ${code(r.instanceId)} (${f?.name ?? 'no Name'}, ${r.accountId}/${r.region}) rejected ${r.count} IMDSv1 call(s) since IMDSv2 was enforced${by} (last ${r.lastSeen ?? '?'}): something on it still speaks IMDSv1 and is failing now.`;
    const route = f ? await ctx.directory.routeOf(f) : null;
    const owner = route?.kind === 'unrouted' ? undefined : routeChannel(route, undefined); // unowned: approvers hear
    if (owner)
      await ctx.out.add({
        kind: 'post',
        channel: owner,
        text: notification(md`${text} Fix the software, or ask an approver to roll back.`),
      });
    const approvers = approversChannelOf(ctx.workflow.slack);
    if (approvers) {
      const button: Button = {
        type: 'button',
        style: 'danger',
        text: plainText('Request rollback'),
        action_id: CR_ACTIONS.rollback,
        // names the instance: for a bulk, the rollback is of this instance alone
        value: requestId ? requestButtonValue(requestId, r.instanceId) : 'none',
      };
      const actions: KnownBlock[] = requestId ? [{ type: 'actions', elements: [button] }] : [];
      const blocks = [section(text), ...actions];
      await ctx.out.add({ kind: 'post', channel: approvers, text: notification(text), blocks });
    }
    sent += 1;
  }
  return sent;
}
