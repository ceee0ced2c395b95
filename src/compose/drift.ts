import { createDriftReader } from '../adapters/aws/drift-reader.js';
import { accountResolver } from '../adapters/aws/scopes.js';
import { createSqsClient, regionOfQueueUrl, startSqsConsumer } from '../adapters/aws/sqs.js';
import { createDriftBurst } from '../adapters/redis/drift-burst.js';
import { createHandledEvents } from '../adapters/redis/handled-events.js';
import { createDriftAlerts } from '../adapters/slack/drift-alerts.js';
import type { SlackTaskQueue } from '../adapters/slack/task-queue.js';
import { handleDriftMessages } from '../app/drift/consume.js';
import type { DriftDeps } from '../app/drift/handle-event.js';
import { settingsOf } from '../app/scan/request-scan.js';
import type { DriftSettings } from '../config/workflow-schema.js';
import type { Core } from './core.js';

/**
 * The drift feed as the composition root (src/main.ts) builds it: one SQS consumer per queue.
 */

/** The drift feed: each queue long-polled; each event rescans its instances and alerts their owners. */
export function startDrift(core: Core, settings: DriftSettings, tasks: SlackTaskQueue | null): void {
  const { clients, workflow, log, observability } = core;
  if (!tasks) log.warn({}, 'drift: Slack is not configured: findings are updated, nobody is alerted');
  const deps: DriftDeps = {
    handled: createHandledEvents({ redis: core.redis, prefix: core.config.prefix }),
    reader: createDriftReader({ clients, accountFor: accountResolver(clients, workflow), log }),
    findings: core.stores.findings,
    alerts: tasks
      ? createDriftAlerts({
          tasks,
          burst: createDriftBurst({ redis: core.redis, prefix: core.config.prefix }),
          quietSeconds: settings.alertQuietSeconds,
          maxDelaySeconds: settings.alertMaxDelaySeconds,
        })
      : { soon: async () => {} },
    settings: settingsOf(workflow),
    log,
    now: () => new Date(),
  };
  for (const queueUrl of settings.queueUrls) {
    const region = regionOfQueueUrl(queueUrl) ?? core.config.hubRegion;
    const sqs = createSqsClient({ region, instrument: observability.instrumentAws });
    const consumer = startSqsConsumer({
      sqs,
      queueUrl,
      deadLetterQueueUrl: settings.deadLetterQueueUrl,
      maxReceives: settings.maxReceives,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      handle: (bodies) => handleDriftMessages(deps, bodies),
      log,
      metrics: observability.drift,
    });
    core.onClose(async () => {
      await consumer.close();
      sqs.destroy();
    });
  }
}
