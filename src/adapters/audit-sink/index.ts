import type { AuditSink } from '../../config/workflow-schema.js';
import { ConfigError } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports/shared.js';
import type { RedisClient } from '../redis/connection.js';
import { createFileSink } from './file.js';
import { startAuditStream } from './stream.js';
import { createWebhookSink } from './webhook.js';

/** The workflow's audit.sinks, each with its secret from the environment (checked at start). */
export function auditSinkTargets(sinks: readonly AuditSink[], env: Record<string, string | undefined>) {
  const missing = sinks.flatMap((s) =>
    s.kind === 'webhook' && !env[s.secretEnv]
      ? [`audit.sinks: the webhook ${s.url} needs its HMAC secret in ${s.secretEnv}`]
      : [],
  );
  if (missing.length > 0) throw new ConfigError('workflow', missing);
  return sinks.map((s) =>
    s.kind === 'file'
      ? createFileSink(s.path)
      : createWebhookSink({ url: s.url, secret: env[s.secretEnv] ?? '' }),
  );
}

/** One stream per sink; `stop` ends them all. */
export function startAuditSinks(deps: {
  targets: ReturnType<typeof auditSinkTargets>;
  redis: RedisClient;
  reader: (name: string) => RedisClient;
  prefix: string;
  log: Logger;
}) {
  const streams = deps.targets.map((sink) =>
    startAuditStream({
      redis: deps.redis,
      reader: deps.reader(sink.name),
      prefix: deps.prefix,
      sink,
      log: deps.log,
    }),
  );
  return {
    streams,
    async stop(): Promise<void> {
      await Promise.all(streams.map((s) => s.stop()));
    },
  };
}
