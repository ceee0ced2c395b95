import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { Workflow } from '../../config/workflow-schema.js';
import type { ChangeRequestStore } from '../../domain/ports/change-requests.js';
import type { Logger } from '../log.js';
import type { FindingsStore } from '../redis/findings.js';
import type { SlackOutQueue } from './out.js';
import type { SlackTaskQueue } from './task-queue.js';
import type { DecisionAttempt } from './tasks/changes.js';
import type { ResponseMessage } from './web.js';

export interface ListenerDeps {
  tasks: SlackTaskQueue;
  workflow: Workflow;
  log: Logger;
  /** read at click time to decide which modal an approval needs */
  requests: Pick<ChangeRequestStore, 'get'>;
  findings: Pick<FindingsStore, 'locate'>;
  /** replies that must not wait for the task queue (a refusal instead of a modal) */
  out: Pick<SlackOutQueue, 'add'>;
  /** whether someone may decide a request, checked before its modal opens; the refusal, or null */
  precheck: (attempt: DecisionAttempt) => Promise<ResponseMessage | null>;
  /** a user group changed in Slack: its cached members are dropped */
  forgetGroup: (group: string) => Promise<void>;
}

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;
export type ActionArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
