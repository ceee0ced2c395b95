import { securityLabel } from '../../../domain/change/approval-roles.js';
import type { AuditEntry } from '../../../domain/change/audit-chain.js';
import { changeLine } from '../changes-text.js';
import type { ParsedCommand } from '../commands/schema.js';
import { bold, code, context, lines, type Mrkdwn, md, section, trusted, user } from '../text.js';
import { ephemeral, type ResponseMessage } from '../web.js';
import type { TaskContext } from './context.js';

const who = (e: AuditEntry): Mrkdwn => ('userId' in e.actor ? user(e.actor.userId) : md`${e.actor.system}`);

export function auditLine(e: AuditEntry): Mrkdwn {
  const t = e.target;
  const change = e.before || e.after ? md` (${changeLine(e.before, e.after)})` : md``;
  const request = e.requestId ? md` [${e.requestId}]` : md``;
  const reason = e.reason ? md`: ${e.reason}` : md``;
  const aws = e.awsRequestId ? md` aws:${e.awsRequestId}` : md``;
  const session = e.session ? md` as ${e.session.sourceIdentity ?? e.session.sessionName}` : md``;
  return md`#${String(e.seq)} ${e.at.slice(0, 16)}Z ${bold(e.type)} ${t.resource} (${t.accountId}/${t.region}) by ${who(e)}${request}${reason}${change}${aws}${session}`;
}

/** `/imds audit [instance-id|@user]`: recent entries, newest first. Security only. */
export async function auditMessage(
  ctx: TaskContext,
  cmd: Extract<ParsedCommand, { name: 'audit' }>,
  security: boolean,
  _userId: string,
): Promise<ResponseMessage> {
  if (!security)
    return ephemeral(md`The audit trail is for security: ${trusted(securityLabel(ctx.workflow.approvals))}.`);
  const t = cmd.args.target;
  const entries = await ctx.audit.recent({
    limit: 20,
    ...(t?.kind === 'instance' ? { instanceId: t.instanceId } : {}),
    ...(t?.kind === 'user' ? { userId: t.userId } : {}),
  });
  if (entries.length === 0) return ephemeral(md`No audit entries match.`);
  const tail = md`${code('imds-bot audit verify')} proves the chain unbroken; ${code('imds-bot audit export')} feeds a SIEM.`;
  return ephemeral(md`${entries.length} audit entries`, [
    section(lines(...entries.map(auditLine))),
    context(tail),
  ]);
}
