import type { Workflow } from '../../config/workflow-schema.js';
import type { TargetFacts } from '../../domain/change/approval-roles.js';
import type {
  AuditLog,
  BulkTally,
  ChangeFindings,
  ChangeJobs,
  ChangeMemo,
  ChangeNotifier,
  ChangeRequestStore,
  Owners,
  Remediation,
  UsageNow,
} from '../../domain/ports.js';

/** Everything change control needs, as ports (src/domain/ports.ts); composed in the composition root. */
export interface ChangeContext {
  workflow: Workflow;
  requests: ChangeRequestStore;
  audit: AuditLog;
  findings: ChangeFindings;
  memo: ChangeMemo;
  tally: BulkTally;
  /** the changes to production in one account x region, rate limited below EC2's own buckets */
  remediationFor: (scope: { accountId: string; region: string }) => Promise<Remediation>;
  usage: UsageNow;
  owners: Owners;
  notifier: ChangeNotifier;
  jobs: ChangeJobs;
  /** where the bot itself runs, from IMDS_BOT_HOST_INSTANCE_ID; null when unknown */
  botHost: TargetFacts['botHost'];
  now: () => Date;
}
