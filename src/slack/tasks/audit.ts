import { securityLabel } from '../../domain/approval-policy.js';
import type { AuditEntry } from '../../domain/audit-chain.js';
import type { ParsedCommand } from '../commands/parse.js';
import type { ResponseMessage } from '../web.js';
import type { TaskContext } from './context.js';

const who = (e: AuditEntry) => ('userId' in e.actor ? `<@${e.actor.userId}>` : e.actor.system);

export function auditLine(e: AuditEntry): string {
  const change = e.before || e.after ? ` ${JSON.stringify(e.before)} → ${JSON.stringify(e.after)}` : '';
  return `#${e.seq} ${e.at.slice(0, 16)}Z *${e.type}* ${e.target.resource} (${e.target.accountId}/${e.target.region}) by ${who(e)}${e.requestId ? ` [${e.requestId}]` : ''}${e.reason ? `: ${e.reason}` : ''}${change}${e.awsRequestId ? ` aws:${e.awsRequestId}` : ''}`;
}

/** `/imds audit [instance-id|@user]`: recent entries, newest first. Security only. */
export async function auditMessage(
  ctx: TaskContext,
  cmd: Extract<ParsedCommand, { name: 'audit' }>,
  security: boolean,
  _userId: string,
): Promise<ResponseMessage> {
  if (!security)
    return {
      response_type: 'ephemeral',
      text: `The audit trail is for security: ${securityLabel(ctx.workflow.approvals)}.`,
    };
  const t = cmd.args.target;
  const entries = await ctx.audit.recent({
    limit: 20,
    ...(t?.kind === 'instance' ? { instanceId: t.instanceId } : {}),
    ...(t?.kind === 'user' ? { userId: t.userId } : {}),
  });
  if (entries.length === 0) return { response_type: 'ephemeral', text: 'No audit entries match.' };
  const text = entries.map(auditLine).join('\n').slice(0, 2900);
  return {
    response_type: 'ephemeral',
    text: `${entries.length} audit entries`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: '`imds-bot audit verify` proves the chain unbroken; `imds-bot audit export` feeds a SIEM.',
          },
        ],
      },
    ],
  };
}
