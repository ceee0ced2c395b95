import type { ChangeTarget, Person } from '../../domain/change/request-schema.js';
import { CodedError } from '../../domain/errors.js';
import { type Finding, LAGGARD_READINESS } from '../../domain/findings/model.js';
import { FIND_CALLER_TAG } from '../../domain/fixes/callers.js';
import { code, say } from '../../domain/message.js';
import type { Where } from '../../domain/ports/notifier.js';
import type { ChangeContext } from './context.js';
import { file, type RequestOutcome } from './request-file.js';
import { commandsIn, notManagedText } from './targets/find-caller.js';
import { factsOf } from './targets/instance.js';

/**
 * Ask to find the IMDSv1 caller on one instance: its owner or security asks, an approver approves
 * (it runs a command on the instance). Refused at once when the workflow has it off, the instance
 * no longer accepts IMDSv1, or SSM does not manage it (DescribeInstanceInformation), so nobody
 * approves a request that cannot run.
 */
export async function requestFindCaller(
  ctx: ChangeContext,
  f: Finding,
  by: Person,
  groups: readonly string[],
  where: Where,
): Promise<RequestOutcome> {
  let ssm: Awaited<ReturnType<typeof commandsIn>>;
  try {
    // before any approval, the check is made in the requester's name (CloudTrail shows who asked)
    ssm = await commandsIn(ctx, f, { requestId: 'find-caller-check', approver: by });
  } catch (err) {
    if (err instanceof CodedError && err.code === 'find-caller-off')
      return { ok: false, reason: say`${err.message} Ask the bot's operator to turn it on.` };
    throw err;
  }
  if (!LAGGARD_READINESS.includes(f.readiness))
    return {
      ok: false,
      reason: say`${code(f.instanceId)} no longer accepts IMDSv1 (${f.readiness}): no IMDSv1 caller to find.`,
    };
  if (f.tags[FIND_CALLER_TAG.key] !== FIND_CALLER_TAG.value)
    return {
      ok: false,
      reason: say`${code(f.instanceId)} is not tagged ${code(`${FIND_CALLER_TAG.key}=${FIND_CALLER_TAG.value}`)}: the bot may run commands only on instances whose owner tagged them so (deploy/iam/find-caller-policy.json). Tag it, wait for the next scan, and ask again.`,
    };
  const managed = await ssm.managed(f.instanceId);
  if (!managed.managed) return { ok: false, reason: say`${notManagedText(f.instanceId, managed)}` };
  const { seconds } = ctx.workflow.fixes.findCaller;
  const target: ChangeTarget = {
    type: 'find-caller',
    accountId: f.accountId,
    region: f.region,
    instanceId: f.instanceId,
  };
  return file(ctx, {
    kind: 'find-caller',
    target,
    resource: f.instanceId,
    facts: await factsOf(ctx, f),
    by,
    groups,
    reason: null,
    before: null,
    notes: [
      say`Once approved, SSM Run Command runs the read-only script ${code('deploy/ssm/find-imdsv1-callers.sh')} on it for ${seconds} s (tcpdump and ss on IMDS requests, nothing changed or installed); the processes that called IMDSv1 are posted in this thread.`,
    ],
    where,
  });
}
