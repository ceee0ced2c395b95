import type { Redis } from 'ioredis';
import type { AccountTarget, AwsClients } from '../../adapters/aws/clients.js';
import type { Remediation } from '../../adapters/aws/remediation.js';
import type { Logger } from '../../adapters/log.js';
import type { AuditStore } from '../../adapters/redis/audit.js';
import type { CardStore } from '../../adapters/redis/cards.js';
import type { ChangeRequestStore } from '../../adapters/redis/change-requests.js';
import type { FindingsStore } from '../../adapters/redis/findings.js';
import type { Access } from '../../adapters/slack/access.js';
import type { Directory } from '../../adapters/slack/directory.js';
import type { SlackOutQueue } from '../../adapters/slack/out.js';
import type { Workflow } from '../../config/workflow-schema.js';
import type { TargetFacts } from '../../domain/change/approval-roles.js';
import type { ChangeRequest } from '../../domain/change/request-schema.js';

/** Everything change control needs; built once in the Slack runtime. */
export interface ChangeContext {
  workflow: Workflow;
  redis: Redis;
  prefix: string;
  requests: ChangeRequestStore;
  audit: AuditStore;
  cards: CardStore;
  findings: FindingsStore;
  /** a remediation for one account x region, drawing tokens from the shared rate limiter */
  remediationFor: (scope: { accountId: string; region: string }) => Remediation;
  clients: Pick<AwsClients, 'forScope'>;
  /** the role to use for an account of the workflow */
  accountFor: (accountId: string) => Promise<AccountTarget>;
  directory: Directory;
  access: Access;
  out: SlackOutQueue;
  /** puts an approved change on the apply queue (idempotent per request id) */
  enqueueApply: (requestId: string) => Promise<void>;
  /** one job per instance of an applying bulk request, and a parent that closes it */
  enqueueBulk: (request: ChangeRequest) => Promise<void>;
  /** whether a change job (`apply-<id>`, `bulk-<id>`) is queued or running, has ended, or does not exist */
  jobState: (jobId: string) => Promise<'live' | 'ended' | 'missing'>;
  /** where the bot itself runs, from IMDS_BOT_HOST_INSTANCE_ID; null when unknown */
  botHost: TargetFacts['botHost'];
  log: Logger;
  now: () => Date;
}
