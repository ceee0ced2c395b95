import { SELF } from '../../../config/workflow-schema.js';
import { isSecurity, securityLabel } from '../../../domain/change/approval-roles.js';
import { errorMessage } from '../../../domain/errors.js';
import { percentText, rollup } from '../../../domain/findings/summary.js';
import { failedLine, partialLine } from '../blocks/coverage.js';
import { accountStatusMessage, instanceStatusMessage } from '../blocks/status.js';
import type { ParsedCommand } from '../commands/schema.js';
import { bold, code, decodeSlack, lines, type Mrkdwn, md, section, trusted } from '../text.js';
import { ephemeral, type ResponseMessage } from '../web.js';
import { auditMessage } from './audit.js';
import { acknowledgeFinding, snoozeFinding } from './cards.js';
import { changeCommand, enforceCommand, rollbackCommand } from './changes.js';
import type { TaskContext } from './context.js';
import { findCallerCommand } from './find-caller.js';
import { guardrailsReply } from './guardrails.js';
import { ownersMessage } from './owners.js';
import { reportMessage } from './report.js';
import type { SlackTask } from './schema.js';

type CommandTask = Extract<SlackTask, { kind: 'command' }>;

/** Who security is, as mentions built from the workflow's ids. */
const securityWho = (ctx: TaskContext): Mrkdwn => trusted(securityLabel(ctx.workflow.approvals));

/** Commands only security may run; everyone else is told who can. */
const SECURITY_ONLY = new Set<ParsedCommand['name']>(['scan', 'report', 'owners', 'guardrails']);

async function scan(
  ctx: TaskContext,
  task: CommandTask,
  cmd: Extract<ParsedCommand, { name: 'scan' }>,
): Promise<ResponseMessage> {
  const accounts = ctx.workflow.scope.accounts;
  // with `self` in the list the hub's own id is not known here: planning tells
  const listed =
    Array.isArray(accounts) && !accounts.includes(SELF)
      ? accounts.flatMap((a) => (a === SELF ? [] : [a.id]))
      : null;
  if (cmd.args.accountId && listed && !listed.includes(cmd.args.accountId)) {
    return ephemeral(
      md`Account ${cmd.args.accountId} is not in workflow "${ctx.workflow.name}"; it scans ${listed.join(', ')}.`,
    );
  }
  const filter = { accountId: cmd.args.accountId ?? undefined, region: cmd.args.region ?? undefined };
  const { scanId, joined, lockId } = await ctx.requestScan({ kind: 'slack', by: task.user.id }, filter);
  await ctx.out.add({
    kind: 'respond',
    responseUrl: task.responseUrl,
    message: ephemeral(
      joined
        ? md`A scan of this scope is already running (${scanId}); I will report when it ends.`
        : md`Scan ${scanId} started; I will report when it ends.`,
    ),
  });
  const o = await ctx.waitForScan(scanId, undefined, lockId);
  if (o.scopes.length === 0 && o.errors.length === 0)
    return ephemeral(
      md`Nothing to scan: no account/region of workflow "${ctx.workflow.name}" matches ${code(decodeSlack(task.text))}.`,
    );
  const s = o.summary;
  const text = lines(
    failedLine(s.scopes, o.errors),
    md`${bold(md`Scan ${o.scanId}`)} finished: ${s.instances} instances, ${percentText(s.percentCompliant)} not accepting IMDSv1.`,
    md`Laggards ${s.laggards}: ready ${s.byReadiness.ready}, in use ${s.byReadiness['in-use']}, unknown ${s.byReadiness.unknown}.`,
    o.firstScan
      ? md`First scan of this scope.`
      : md`Since the last scan: ${o.diff.new} new, ${o.diff.fixed} fixed, ${o.diff.regressed} regressed.`,
    partialLine(o.errors),
    ...(o.warnings ?? []).map((w) => md`:warning: ${w}`),
  );
  return ephemeral(md`Scan ${o.scanId} finished`, [section(text)]);
}

async function status(
  ctx: TaskContext,
  task: CommandTask,
  cmd: Extract<ParsedCommand, { name: 'status' }>,
  security: boolean,
): Promise<ResponseMessage> {
  if (cmd.args.target.kind === 'account') {
    if (!security)
      return ephemeral(
        md`Only security can ask about a whole account (${securityWho(ctx)}). Ask about one of your instances: ${code('/imds status i-…')}.`,
      );
    const accountId = cmd.args.target.accountId;
    const findings = (await ctx.findings.latestSnapshots(accountId)).flatMap((s) => s.findings);
    return accountStatusMessage(
      accountId,
      rollup(findings, (f) => f.region),
    );
  }
  const id = cmd.args.target.instanceId;
  const f = await ctx.findings.locate(id);
  if (!f)
    return ephemeral(
      md`No scan has seen ${code(id)}: it may be in an account or region outside workflow "${ctx.workflow.name}", terminated, or mistyped.`,
    );
  if (!security) {
    const route = await ctx.directory.routeOf(f);
    if (route?.kind !== 'user' || route.userId !== task.user.id) {
      return ephemeral(
        md`${code(id)} is not tagged as yours, so only its owner or security (${securityWho(ctx)}) can see it.`,
      );
    }
  }
  const snap = await ctx.findings.getSnapshot({ accountId: f.accountId, region: f.region });
  return { response_type: 'ephemeral', ...instanceStatusMessage(f, snap?.scannedAt ?? null) };
}

async function onInstance(
  ctx: TaskContext,
  task: CommandTask,
  cmd: Extract<ParsedCommand, { name: 'snooze' | 'ack' }>,
): Promise<ResponseMessage> {
  const f = await ctx.findings.locate(cmd.args.instanceId);
  if (!f) return ephemeral(md`No scan has seen ${code(cmd.args.instanceId)}.`);
  const where = { channelId: task.channelId, messageTs: null };
  if (cmd.name === 'ack') return acknowledgeFinding(ctx, task.user, where, f, cmd.args.note);
  return snoozeFinding(ctx, task.user, where, f, cmd.args.durationMs, cmd.args.reason);
}

/** Runs a parsed `/imds` command and returns the reply for its response_url. */
export async function runCommand(ctx: TaskContext, task: CommandTask): Promise<ResponseMessage> {
  const cmd = task.command;
  const actor = await ctx.access.actorFor(task.user.id, task.channelId);
  const security = isSecurity(actor, ctx.workflow.approvals);
  if (SECURITY_ONLY.has(cmd.name) && !security) {
    return ephemeral(
      md`${code(`/imds ${cmd.name}`)} is for security: ${securityWho(ctx)}. Anyone can ask ${code('/imds status <instance-id>')} about their own instances.`,
    );
  }
  try {
    switch (cmd.name) {
      case 'scan':
        return await scan(ctx, task, cmd);
      case 'status':
        return await status(ctx, task, cmd, security);
      case 'report':
        return await reportMessage(ctx, task.user.id);
      case 'owners':
        return await ownersMessage(ctx);
      case 'enforce':
        return await enforceCommand(
          ctx,
          task.user,
          actor,
          task.channelId,
          cmd.args.instanceId,
          cmd.args.reason,
        );
      case 'rollback':
        return await rollbackCommand(
          ctx,
          task.user,
          actor,
          task.channelId,
          cmd.args.instanceId,
          cmd.args.reason,
        );
      case 'snooze':
      case 'ack':
        return await onInstance(ctx, task, cmd);
      case 'audit':
        return await auditMessage(ctx, cmd, security, task.user.id);
      case 'enforce-ready':
      case 'fix-template':
      case 'fix-default':
      case 'refresh':
        return await changeCommand(ctx, task.user, actor.groups, task.channelId, cmd);
      case 'guardrails':
        return await guardrailsReply(ctx, cmd.args.accountId);
      case 'find-caller':
        return await findCallerCommand(ctx, task.user, task.channelId, cmd.args.instanceId);
      case 'help':
        return ephemeral(md`${code('/imds help')} lists the commands.`);
    }
  } catch (err) {
    ctx.log.error({ command: cmd.name, err: errorMessage(err) }, 'command failed');
    return ephemeral(
      md`${code(`/imds ${decodeSlack(task.text)}`)} failed: ${errorMessage(err)}. Nothing was changed; try again in a minute.`,
    );
  }
}
