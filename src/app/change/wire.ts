import type { WebClient } from '@slack/web-api';
import type { AccountTarget } from '../../adapters/aws/clients.js';
import { createRemediation, remediationIn } from '../../adapters/aws/remediation.js';
import { resolveAccounts } from '../../adapters/aws/scopes.js';
import { createUsageReader } from '../../adapters/aws/usage.js';
import { createChangeQueue, startChangeWorker } from '../../adapters/queue/changes.js';
import type { AuditStore } from '../../adapters/redis/audit.js';
import type { CardStore } from '../../adapters/redis/cards.js';
import { createBulkTally, createChangeMemo } from '../../adapters/redis/change-memo.js';
import { createChangeRequestStore } from '../../adapters/redis/change-requests.js';
import { budgetFor, createRateLimiter, rateKey } from '../../adapters/redis/rate-limit.js';
import type { Access } from '../../adapters/slack/access.js';
import { createChangeNotifier } from '../../adapters/slack/blocks/change-cards.js';
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
  const accountFor = accountResolver(app);
  const clientsFor = async (scope: { accountId: string; region: string }) =>
    app.clients.forScope(await accountFor(scope.accountId), scope.region);
  const usageReader = createUsageReader();
  const ctx: ChangeContext = {
    workflow,
    requests: createChangeRequestStore({ redis, prefix }),
    audit: w.audit,
    findings: app.store,
    memo: createChangeMemo({ redis, prefix }),
    tally: createBulkTally({ redis, prefix }),
    remediationFor: async (scope) => {
      const r = createRemediation({
        log,
        beforeCall: async (action) => {
          const budget = budgetFor(action);
          if (budget)
            app.observability.rateLimiterWaited(
              action,
              await limiter.acquire(rateKey(action, scope), budget),
            );
        },
      });
      return remediationIn(r, (await clientsFor(scope)).ec2, scope);
    },
    usage: {
      read: async (scope, ids, win) =>
        usageReader.read((await clientsFor(scope)).cloudwatch, scope, ids, win),
    },
    owners: {
      userOf: async (f) => {
        const route = await w.directory.routeOf(f);
        return route?.kind === 'user' ? route.userId : null;
      },
    },
    notifier: createChangeNotifier({ workflow, redis, prefix, cards: w.cards, out: w.out, log }),
    jobs: queue,
    botHost: app.config.botHost,
    now: w.now,
  };
  const worker = opts.worker === false ? null : startChangeWorker({ ...app.queueDeps, ctx, log });
  app.onClose(async () => {
    await worker?.close();
    await queue.close();
  });
  return ctx;
}
