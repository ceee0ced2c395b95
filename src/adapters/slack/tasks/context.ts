import type { WebClient } from '@slack/web-api';
import type { ChangeContext } from '../../../app/change/context.js';
import type { requestScan } from '../../../app/scan/request-scan.js';
import type { Workflow } from '../../../config/workflow-schema.js';
import type { ScanFilter, ScanOutcome, Trigger } from '../../../domain/findings/scan.js';
import type { Logger } from '../../log.js';
import type { AckStore } from '../../redis/acks.js';
import type { AuditStore } from '../../redis/audit.js';
import type { CardStore } from '../../redis/cards.js';
import type { FindingsStore } from '../../redis/findings.js';
import type { OrganizationFactsStore } from '../../redis/organization-facts.js';
import type { SlackDeliveryStore } from '../../redis/slack-delivery.js';
import type { SlackStateStore } from '../../redis/slack-state.js';
import type { SnoozeStore } from '../../redis/snoozes.js';
import type { Access } from '../access.js';
import type { Directory } from '../directory.js';
import type { SlackOutQueue } from '../out.js';

/** Starts a scan of the workflow (or joins the one running over the same scope). */
export type RequestScan = (trigger: Trigger, filter?: ScanFilter) => ReturnType<typeof requestScan>;
/** Follows a scan to its outcome; `lockId` (from RequestScan) also follows one still planning. */
export type WaitForScan = (
  scanId: string,
  onProgress?: (done: number, total: number) => void,
  lockId?: string,
) => Promise<ScanOutcome>;

/** What every Slack task needs: scans and findings, Slack's client, routing and access. */
export interface TaskContext {
  requestScan: RequestScan;
  waitForScan: WaitForScan;
  findings: FindingsStore;
  workflow: Workflow;
  client: WebClient;
  /** digest buttons, App Home rows, digest fingerprints, rejection alerts */
  slackState: SlackStateStore;
  directory: Directory;
  access: Access;
  out: SlackOutQueue;
  snoozes: SnoozeStore;
  acks: AckStore;
  audit: AuditStore;
  cards: CardStore;
  change: ChangeContext;
  log: Logger;
  now: () => Date;
  /** the organization's policies as the latest organizations-mode scan read them */
  organization?: Pick<OrganizationFactsStore, 'latest'>;
  /** the Auto Scaling groups an applied template fix's card offers to refresh */
  refreshOffers?: Pick<SlackDeliveryStore, 'refreshOffers'>;
}
