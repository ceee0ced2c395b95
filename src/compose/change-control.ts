import { createAutoScalingChanges } from '../adapters/aws/auto-scaling-refresh.js';
import { createRemediation, remediationIn } from '../adapters/aws/remediation.js';
import { accountResolver } from '../adapters/aws/scopes.js';
import { createUsageReader } from '../adapters/aws/usage.js';
import { createChangeQueue, startChangeWorker } from '../adapters/queue/changes.js';
import { createBulkTally, createChangeMemo } from '../adapters/redis/change-memo.js';
import { budgetFor, createRateLimiter, rateKey } from '../adapters/redis/rate-limit.js';
import { createChangeNotifier } from '../adapters/slack/blocks/change-cards.js';
import type { Directory } from '../adapters/slack/directory.js';
import type { SlackOutQueue } from '../adapters/slack/out.js';
import type { ChangeContext } from '../app/change/context.js';
import type { Core } from './core.js';

/**
 * Change control as the composition root (src/main.ts) builds it: the apply queue and worker, and the
 * per-scope AWS clients behind the shared rate limiter.
 */

/**
 * Change control: the apply queue and its worker, and a remediation per account x region whose
 * every AWS call first takes a token from the shared Redis rate limiter (below EC2's own buckets).
 */
export function startChangeControl(
  core: Core,
  w: { directory: Directory; out: SlackOutQueue; now: () => Date },
  opts: { worker: boolean },
): ChangeContext {
  const { redis, log, workflow, stores, clients } = core;
  const prefix = core.config.prefix;
  const queue = createChangeQueue(core.queueDeps);
  const limiter = createRateLimiter({ redis, prefix });
  const accountFor = accountResolver(clients, workflow);
  const clientsFor = async (scope: { accountId: string; region: string }) =>
    clients.forScope(await accountFor(scope.accountId), scope.region);
  const usageReader = createUsageReader();
  let script: string | null = null;
  const ctx: ChangeContext = {
    workflow,
    requests: stores.requests,
    audit: stores.audit,
    findings: stores.findings,
    memo: createChangeMemo({ redis, prefix }),
    tally: createBulkTally({ redis, prefix }),
    remediationFor: async (scope, by) => {
      const r = createRemediation({
        log,
        beforeCall: async (action) => {
          const budget = budgetFor(action);
          if (budget)
            core.observability.rateLimiterWaited(
              action,
              await limiter.acquire(rateKey(action, scope), budget),
            );
        },
      });
      const change = clients.forChange(await accountFor(scope.accountId), scope.region, by);
      return remediationIn(r, change.ec2, scope, change.session);
    },
    autoScalingFor: async (scope, by) => {
      const change = clients.forChange(await accountFor(scope.accountId), scope.region, by);
      return createAutoScalingChanges(change.autoScaling, change.ec2, scope);
    },
    usage: {
      read: async (scope, ids, win) =>
        usageReader.read((await clientsFor(scope)).cloudwatch, scope, ids, win),
    },
    // SSM (its SDK client too) is loaded by the first find-caller request, not by every process
    commandsFor: async (scope, by) => {
      const ssm = await import('../adapters/aws/ssm.js');
      script ??= ssm.loadFindCallersScript();
      const client = await clients.ssmForChange(await accountFor(scope.accountId), scope.region, by);
      return ssm.createInstanceCommands(client, script);
    },
    owners: {
      userOf: async (f) => {
        const route = await w.directory.routeOf(f);
        return route?.kind === 'user' ? route.userId : null;
      },
    },
    notifier: createChangeNotifier({
      workflow,
      deliveries: stores.deliveries,
      cards: stores.cards,
      out: w.out,
      log,
    }),
    jobs: queue,
    botHost: core.config.botHost,
    now: w.now,
  };
  const worker = opts.worker ? startChangeWorker({ ...core.queueDeps, ctx, log }) : null;
  core.onClose(async () => {
    await worker?.close();
    await queue.close();
  });
  return ctx;
}
