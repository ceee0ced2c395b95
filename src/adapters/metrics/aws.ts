import type { LabelValue, Metrics } from './catalog.js';

type Outcome = LabelValue<'awsCalls', 'outcome'>;

/** The error codes the AWS SDKs treat as throttling (and HTTP 429). */
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

interface Failure {
  name?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

/** ok, throttled, 5xx or other, from what one attempt answered (or threw). */
export function outcomeOf(err: unknown): Outcome {
  if (err === undefined) return 'ok';
  const e = (typeof err === 'object' && err !== null ? err : {}) as Failure;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode ?? 0;
  const code = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : '';
  if (status === 429 || THROTTLING.has(code)) return 'throttled';
  if (status >= 500) return '5xx';
  return 'other';
}

interface Stack {
  middlewareStack: {
    add(
      mw: (
        next: (args: unknown) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      opts: { step: 'deserialize'; name: string; priority: 'high' },
    ): void;
  };
}

/**
 * Counts every attempt of every call of an SDK v3 client (the middleware sits below the retry
 * middleware, so a throttled attempt the SDK retried counts too) by service, operation, outcome.
 */
export function countAwsCalls<C>(client: C, metrics: Pick<Metrics, 'awsCalls'>): C {
  (client as unknown as Stack).middlewareStack.add(
    (next, context) => async (args) => {
      const labels = {
        service: (context.clientName ?? 'unknown').replace(/Client$/, '').toLowerCase(),
        operation: (context.commandName ?? 'unknown').replace(/Command$/, ''),
      };
      try {
        const out = await next(args);
        metrics.awsCalls.inc({ ...labels, outcome: 'ok' });
        return out;
      } catch (err) {
        metrics.awsCalls.inc({ ...labels, outcome: outcomeOf(err) });
        throw err;
      }
    },
    { step: 'deserialize', name: 'imdsBotCountCalls', priority: 'high' },
  );
  return client;
}
