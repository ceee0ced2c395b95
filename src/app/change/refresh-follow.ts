import type { ChangeContext } from './context.js';

/**
 * Which refreshes a card follows, kept beside the poll jobs (ChangeMemo.keepWatch): the next poll is
 * recorded before it is queued, and forgotten when the watch ends, so a poll job lost with Redis's
 * data (or a crash between the two) is queued again by the sweeper instead of leaving the card still.
 */

/** The job id of a refresh's `poll`-th read: a retried poll cannot queue its successor twice. */
export const watchJobId = (requestId: string, poll: number): string => `watch-${requestId}-${poll}`;

/** Queues the `poll`-th read of a request's refresh, `delayMs` from now, recording it first. */
export async function followRefresh(
  ctx: ChangeContext,
  requestId: string,
  poll: number,
  delayMs: number,
  lastStatus: string | null,
): Promise<void> {
  await ctx.memo.keepWatch(requestId, { poll, lastStatus });
  await ctx.jobs.enqueueRefreshWatch(requestId, poll, delayMs, lastStatus);
}

/**
 * The sweeper's pass: every followed refresh whose next poll job is gone gets it queued again, now;
 * one whose job ended without moving the watch on (a poll that ends queues the next, or ends the
 * watch, before it completes) failed for good: the next read is queued, under the next poll's id.
 */
export async function resumeRefreshWatches(ctx: ChangeContext): Promise<number> {
  let resumed = 0;
  for (const [requestId, w] of await ctx.memo.watches()) {
    const job = await ctx.jobs.jobState(watchJobId(requestId, w.poll));
    if (job === 'live') continue;
    if (job === 'missing') await ctx.jobs.enqueueRefreshWatch(requestId, w.poll, 0, w.lastStatus);
    else await followRefresh(ctx, requestId, w.poll + 1, 0, w.lastStatus);
    resumed += 1;
  }
  return resumed;
}
