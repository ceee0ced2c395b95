import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { ChangeContext } from '../../../app/change/context.js';
import type { Workflow } from '../../../config/workflow-schema.js';
import type { App } from '../../../main.js';
import type { Logger } from '../../log.js';
import type { AckStore } from '../../redis/acks.js';
import type { AuditStore } from '../../redis/audit.js';
import type { CardStore } from '../../redis/cards.js';
import type { SnoozeStore } from '../../redis/snoozes.js';
import type { Access } from '../access.js';
import type { Directory } from '../directory.js';
import type { SlackOutQueue } from '../out.js';

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
