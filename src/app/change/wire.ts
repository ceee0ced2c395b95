import type { WebClient } from '@slack/web-api';
import type { AccountTarget } from '../../adapters/aws/clients.js';
import { createRemediation } from '../../adapters/aws/remediation.js';
import { resolveAccounts } from '../../adapters/aws/scopes.js';
import { createChangeQueue, startChangeWorker } from '../../adapters/queue/changes.js';
import type { AuditStore } from '../../adapters/redis/audit.js';
import type { CardStore } from '../../adapters/redis/cards.js';
import { createChangeRequestStore } from '../../adapters/redis/change-requests.js';
import { budgetFor, createRateLimiter, rateKey } from '../../adapters/redis/rate-limit.js';
import type { Access } from '../../adapters/slack/access.js';
import type { Directory } from '../../adapters/slack/directory.js';
import type { SlackOutQueue } from '../../adapters/slack/out.js';
import { CodedError } from '../../domain/errors.js';
import type { App as ScanApp } from '../../main.js';
import type { ChangeContext } from './context.js';

/** The role for an account of the workflow, resolved once (GetCallerIdentity / ListAccounts, as planned). */
function accountResolver(app: ScanApp) {
  let all: Promise<AccountTarget[]> | null = null;
  return async (accountId: string): Promise<AccountTarget> => {
    all ??= resolveAccounts(app.clients, app.workflow.scope.accounts);
    const found = (await all).find((a) => a.accountId === accountId);
    if (!found)
      throw new CodedError(
        'unknown-account',
        `account ${accountId} is not in workflow "${app.workflow.name}"`,
      );
    return found;
  };
}

export interface ChangeWiring {
  audit: AuditStore;
  cards: CardStore;
  directory: Directory;
  access: Access;
  out: SlackOutQueue;
  client: WebClient;
  now: () => Date;
}

/**
 * Change control composed from the scan app: stores, the apply queue and its worker, and a
 * remediation per account x region whose every AWS call first takes a token from the shared
 * Redis rate limiter (below EC2's own buckets). The worker is stopped by the app's close().
 */
export function startChangeControl(
  app: ScanApp,
  w: ChangeWiring,
  opts: { worker?: boolean } = {},
): ChangeContext {
  const { redis, log, workflow } = app;
  const prefix = app.config.prefix;
  const queue = createChangeQueue(app.queueDeps);
  const limiter = createRateLimiter({ redis, prefix });
  const ctx: ChangeContext = {
    workflow,
    redis,
    prefix,
    requests: createChangeRequestStore({ redis, prefix }),
    audit: w.audit,
    cards: w.cards,
    findings: app.store,
    remediationFor: (scope) =>
      createRemediation({
        log,
        beforeCall: async (action) => {
          const budget = budgetFor(action);
          if (budget) await limiter.acquire(rateKey(action, scope), budget);
        },
      }),
    clients: app.clients,
    accountFor: accountResolver(app),
    directory: w.directory,
    access: w.access,
    out: w.out,
    enqueueApply: (id) => queue.enqueueApply(id),
    jobState: (jobId) => queue.jobState(jobId),
    enqueueBulk: (cr) =>
      queue.enqueueBulk(cr, async (instanceId) => (await app.store.locate(instanceId))?.region ?? null),
    botHost: app.config.botHost,
    log,
    now: w.now,
  };
  const worker = opts.worker === false ? null : startChangeWorker({ ...app.queueDeps, ctx, log });
  app.onClose(async () => {
    await worker?.close();
    await queue.close();
  });
  return ctx;
}
