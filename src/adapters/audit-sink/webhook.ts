import { createHash, createHmac } from 'node:crypto';
import type { AuditSinkTarget, SinkLine } from './stream.js';

/** The signature header: `v1=` and the hex HMAC-SHA256 of `v1:<timestamp>:<body>` under the secret. */
export const SIGNATURE_HEADER = 'x-imds-bot-signature';
export const TIMESTAMP_HEADER = 'x-imds-bot-timestamp';

export function signatureOf(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
}

export interface WebhookSinkOptions {
  url: string;
  secret: string;
  /** per request (default 10 s): a receiver that hangs counts as down */
  timeoutMs?: number;
  now?: () => Date;
}

/**
 * The audit trail POSTed to a URL, a batch per request: the body is the batch's JSON lines
 * (`application/x-ndjson`, docs/audit-schema.md), signed as Slack signs its requests, so the
 * receiver can check it came from imds-bot and is recent. Anything but a 2xx is a failed delivery
 * (retried by the stream with backoff). The receiver gets each entry at least once, in order, and
 * can drop repeats by `seq`.
 */
export function createWebhookSink(opts: WebhookSinkOptions): AuditSinkTarget {
  const now = opts.now ?? (() => new Date());
  return {
    name: `webhook-${createHash('sha256').update(opts.url).digest('hex').slice(0, 12)}`,
    async deliver(lines: SinkLine[]) {
      const body = lines.map((l) => l.line).join('');
      const timestamp = String(Math.floor(now().getTime() / 1000));
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signatureOf(opts.secret, timestamp, body),
          'x-imds-bot-seq': `${lines[0]?.seq ?? 0}-${lines.at(-1)?.seq ?? 0}`,
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`the webhook answered HTTP ${res.status}`);
    },
  };
}
