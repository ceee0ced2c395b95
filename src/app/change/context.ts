import type { Workflow } from '../../config/workflow-schema.js';
import type { TargetFacts } from '../../domain/change/approval-roles.js';
import type { ChangeRequest } from '../../domain/change/request-schema.js';
import type { AuditLog } from '../../domain/ports/audit.js';
import type { BulkTally, ChangeMemo } from '../../domain/ports/change-memo.js';
import type { ChangeRequestStore } from '../../domain/ports/change-requests.js';
import type { ChangeFindings } from '../../domain/ports/findings.js';
import type { InstanceCommands } from '../../domain/ports/instance-commands.js';
import type { ChangeNotifier, Owners } from '../../domain/ports/notifier.js';
import type { ChangeJobs } from '../../domain/ports/queues.js';
import type { AutoScalingChanges, Remediation } from '../../domain/ports/remediation.js';
import type { UsageNow } from '../../domain/ports/usage.js';

/** Who a change in AWS is made for: its request, and the approver whose approval released it. */
export interface ChangeBy {
  requestId: string;
  approver: { userId: string; name: string };
}

/** The last approval released the change; a request applied without one names its requester. */
export function changeBy(cr: ChangeRequest): ChangeBy {
  const who = cr.approvals.at(-1) ?? cr.requestedBy;
  return { requestId: cr.id, approver: { userId: who.userId, name: who.name } };
}

/** Everything change control needs, as ports (src/domain/ports/); composed in the composition root. */
export interface ChangeContext {
  workflow: Workflow;
  requests: ChangeRequestStore;
  audit: AuditLog;
  findings: ChangeFindings;
  memo: ChangeMemo;
  tally: BulkTally;
  /**
   * The changes to production in one account x region, rate limited below EC2's own buckets, made
   * with an STS session of their own that names the request and its approver (CloudTrail shows it).
   */
  remediationFor: (scope: { accountId: string; region: string }, by: ChangeBy) => Promise<Remediation>;
  /** instance refreshes in one account x region */
  autoScalingFor: (scope: { accountId: string; region: string }, by: ChangeBy) => Promise<AutoScalingChanges>;
  usage: UsageNow;
  /** SSM Run Command for find-caller requests; absent where the composition gives none */
  commandsFor?: (scope: { accountId: string; region: string }, by: ChangeBy) => Promise<InstanceCommands>;
  /** waits between two looks at a running command (a test passes a short one) */
  sleep?: (ms: number) => Promise<void>;
  owners: Owners;
  notifier: ChangeNotifier;
  jobs: ChangeJobs;
  /** where the bot itself runs, from IMDS_BOT_HOST_INSTANCE_ID; null when unknown */
  botHost: TargetFacts['botHost'];
  now: () => Date;
}
