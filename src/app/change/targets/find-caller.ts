import { CodedError } from '../../../domain/errors.js';
import { type CallerReport, parseCallerReport } from '../../../domain/fixes/callers.js';
import { code, lines, type Message, say } from '../../../domain/message.js';
import type {
  CommandProgress,
  InstanceCommands,
  SsmManaged,
} from '../../../domain/ports/instance-commands.js';
import { type ChangeBy, type ChangeContext, changeBy } from '../context.js';
import { instanceFacts } from './instance.js';
import { type Applied, noFanOut, nothingMore, type RequestOn, type TargetKind, wholeOnly } from './target.js';

type CallerTarget = { type: 'find-caller'; accountId: string; region: string; instanceId: string };

/**
 * Find the IMDSv1 caller: once approved, the shipped read-only script
 * (deploy/ssm/find-imdsv1-callers.sh) runs on the instance through SSM Run Command for the workflow's
 * fixes.findCaller.seconds, and its report goes to the request's threads (the in-use card's among
 * them). Nothing changes on the instance, so there is nothing to restore. The command id is kept
 * beside the request before it is awaited: a job retried after a crash follows the same command.
 */

/** SSM's own margin beyond the watch: delivery to the agent, and the report. */
const GRACE_S = 60;
const CALLERS_SHOWN = 10;

/** Why SSM cannot run the script there, for people (plain text: shown as a value, escaped). */
export function notManagedText(instanceId: string, m: Extract<SsmManaged, { managed: false }>): string {
  const why =
    m.why === 'not-registered'
      ? 'no SSM Agent has registered it (not installed or not running, or its instance profile lacks AmazonSSMManagedInstanceCore)'
      : `its SSM Agent is ${m.pingStatus ?? 'not online'}`;
  return `${instanceId} is not managed by SSM: ${why}. The caller cannot be found remotely; run the AWS IMDS packet analyzer (github.com/aws/aws-imds-packet-analyzer) on the instance instead.`;
}

/** SSM in the instance's account, on a session named for the request and who released it. */
export async function commandsIn(
  ctx: ChangeContext,
  scope: { accountId: string; region: string },
  by: ChangeBy,
) {
  if (!ctx.commandsFor || !ctx.workflow.fixes.findCaller.enabled)
    throw new CodedError(
      'find-caller-off',
      'Finding the IMDSv1 caller is not enabled in this workflow (fixes.findCaller.enabled).',
    );
  return ctx.commandsFor(scope, by);
}

async function commandOf(
  ctx: ChangeContext,
  ssm: InstanceCommands,
  cr: { id: string; target: CallerTarget },
) {
  const saved = await ctx.memo.before(cr.id);
  if (typeof saved?.commandId === 'string') return saved.commandId;
  const seconds = ctx.workflow.fixes.findCaller.seconds;
  const commandId = await ssm.sendFindCallers(cr.target.instanceId, seconds, `imds-bot ${cr.id}`);
  await ctx.memo.keepBefore(cr.id, { commandId });
  return commandId;
}

const pause = (ctx: ChangeContext, ms: number) =>
  ctx.sleep ? ctx.sleep(ms) : new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Looks at the command until it ends, at most until the watch and SSM's margin are over. */
async function awaitCommand(
  ctx: ChangeContext,
  ssm: InstanceCommands,
  commandId: string,
  instanceId: string,
) {
  const { seconds, pollSeconds } = ctx.workflow.fixes.findCaller;
  const deadline = ctx.now().getTime() + (seconds + GRACE_S) * 1000;
  const looks = Math.ceil((seconds + GRACE_S) / pollSeconds) + 1;
  let last: CommandProgress = { status: 'missing' };
  for (let i = 0; i < looks && ctx.now().getTime() <= deadline; i++) {
    last = await ssm.invocation(commandId, instanceId);
    if (last.status === 'done') return last;
    await pause(ctx, pollSeconds * 1000);
  }
  throw new CodedError(
    'find-caller-failed',
    `SSM command ${commandId} on ${instanceId} did not end within ${seconds + GRACE_S} s (last seen ${last.status}).`,
  );
}

const callerLine = (c: Extract<CallerReport, { status: 'ok' }>['callers'][number]): Message =>
  say`• ${c.process === null ? say`an unknown process` : code(c.process)}${c.pid === null ? say` (its socket closed before its owner was seen)` : say` pid ${c.pid}`}: ${c.v1} IMDSv1 request(s), last ${code(c.lastPath)}${c.commandLine === null ? say`` : say` — ${code(c.commandLine)}`}`;

function resultOf(
  instanceId: string,
  commandId: string,
  report: Extract<CallerReport, { status: 'ok' }>,
): Applied {
  const shown = report.callers.slice(0, CALLERS_SHOWN);
  const top = shown
    .map((c) => `${c.process ?? '?'}${c.pid === null ? '' : ` (pid ${c.pid})`}: ${c.v1}`)
    .join(', ');
  const head =
    report.withoutToken === 0
      ? say`:mag: No IMDSv1 request on ${code(instanceId)} in ${report.windowSeconds} s (${report.requests} IMDS request(s), all with a token). The caller may run rarely: look again later, or check cron jobs and start-up scripts.`
      : say`:mag: IMDSv1 callers on ${code(instanceId)} in ${report.windowSeconds} s: ${report.withoutToken} of ${report.requests} IMDS request(s) had no token.`;
  const more =
    report.callers.length > shown.length
      ? say`…and ${report.callers.length - shown.length} more process(es).`
      : null;
  const cut = report.truncated
    ? say`(the report was cut short: SSM keeps 24,000 characters of output)`
    : null;
  const threadNote = lines(
    head,
    ...shown.map(callerLine),
    more,
    cut,
    report.withoutToken > 0
      ? say`Update each to an SDK or agent release that speaks IMDSv2: ${code(`/imds status ${instanceId}`)} lists them.`
      : null,
  );
  return {
    before: null,
    after: {
      commandId,
      windowSeconds: report.windowSeconds,
      requests: report.requests,
      withoutToken: report.withoutToken,
      callers: report.callers.length,
      top: top === '' ? null : top.slice(0, 500),
    },
    awsRequestId: commandId,
    note:
      report.withoutToken === 0 ? `no IMDSv1 request in ${report.windowSeconds} s` : `IMDSv1 callers: ${top}`,
    threadNote,
  };
}

export async function findCallers(ctx: ChangeContext, cr: RequestOn<CallerTarget>): Promise<Applied> {
  const t = cr.target;
  const ssm = await commandsIn(ctx, t, changeBy(cr));
  const managed = await ssm.managed(t.instanceId);
  if (!managed.managed) throw new CodedError('not-ssm-managed', notManagedText(t.instanceId, managed));
  const commandId = await commandOf(ctx, ssm, cr);
  const done = await awaitCommand(ctx, ssm, commandId, t.instanceId);
  if (done.outcome !== 'Success')
    throw new CodedError(
      'find-caller-failed',
      `SSM command ${commandId} on ${t.instanceId} ended ${done.outcome}: ${done.stderr.slice(0, 300) || 'no error output'}`,
    );
  const report = parseCallerReport(done.stdout);
  if (report.status !== 'ok')
    throw new CodedError(
      'find-caller-failed',
      `The script could not watch IMDS on ${t.instanceId}: ${report.reason}.`,
    );
  return resultOf(t.instanceId, commandId, report);
}

export const findCaller: TargetKind<CallerTarget> = {
  auditTarget: (t) => ({ accountId: t.accountId, region: t.region, resource: t.instanceId }),
  refs: (t) => [{ accountId: t.accountId, region: t.region, resource: `find-caller:${t.instanceId}` }],
  // one search per instance at a time; it does not block an enforcement of the same instance
  openRefs: (t) => [`${t.accountId}:${t.instanceId}:find-caller`],
  describe: (t) =>
    say`a read-only search for the IMDSv1 caller on ${code(t.instanceId)} in ${say`${t.accountId}/${t.region}`} (SSM Run Command)`,
  cardInstanceKeys: (t) => [`${t.accountId}:${t.region}:${t.instanceId}`],
  facts: (ctx, t) => instanceFacts(ctx, t.instanceId),
  gated: () => ({ region: null, instanceIds: [] }),
  jobId: (id) => `apply-${id}`,
  fanOut: noFanOut,
  apply: (ctx, cr) => findCallers(ctx, cr),
  restore: async (_ctx, cr) => {
    throw new CodedError(
      'nothing-to-restore',
      `${cr.id}: finding the caller changed nothing, so there is nothing to roll back`,
    );
  },
  noteApplied: nothingMore,
  afterVerified: nothingMore,
  capturedBefore: async () => null,
  partRolledBack: wholeOnly,
};
