import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { ChangeContext } from '../../change/context.js';
import type { Workflow } from '../../config/workflow-schema.js';
import type { SlackOutQueue } from '../../jobs/slack-out.js';
import type { Logger } from '../../log.js';
import type { App } from '../../main.js';
import type { AckStore } from '../../store/acks.js';
import type { AuditStore } from '../../store/audit.js';
import type { CardStore } from '../../store/cards.js';
import type { SnoozeStore } from '../../store/snoozes.js';
import type { Access } from '../access.js';
import type { Directory } from '../directory.js';

/** What every Slack task needs: the scan app, Slack's client, routing and access. */
export interface TaskContext {
  app: Pick<App, 'requestScan' | 'waitForScan' | 'store'>;
  workflow: Workflow;
  client: WebClient;
  redis: Redis;
  prefix: string;
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
}
