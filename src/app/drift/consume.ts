import { type DriftEvent, parseDriftEvent } from '../../domain/drift/event.js';
import { CodedError } from '../../domain/errors.js';
import { scopeKey } from '../../domain/findings/model.js';
import { type DriftDeps, handleScopeEvents } from './handle-event.js';

export type DriftMessageResult =
  | { outcome: 'handled' | 'duplicate' | 'ignored'; at?: string }
  /** will never parse: for the dead-letter queue */
  | { outcome: 'malformed'; reason: string }
  /** what handling threw: the consumer retries a transient error and gives up on others */
  | { outcome: 'error'; error: unknown };

interface Group {
  scope: { accountId: string; region: string };
  events: DriftEvent[];
  indexes: number[];
}

/**
 * A batch of SQS message bodies of the drift feed, one result per body, in order: each parsed
 * (zod), duplicates (already handled, or twice in the batch) skipped, the rest handled one scope at
 * a time. An event of an account the workflow does not cover (an organization-wide rule forwards
 * them all) is ignored with a log line.
 */
export async function handleDriftMessages(deps: DriftDeps, bodies: string[]): Promise<DriftMessageResult[]> {
  const results: DriftMessageResult[] = bodies.map(() => ({ outcome: 'ignored' }));
  const groups = new Map<string, Group>();
  const inBatch = new Set<string>();
  for (const [i, body] of bodies.entries()) {
    const parsed = parseDriftEvent(body);
    if (parsed.kind !== 'event') {
      results[i] =
        parsed.kind === 'malformed'
          ? { outcome: 'malformed', reason: parsed.reason }
          : { outcome: 'ignored' };
      continue;
    }
    const { event } = parsed;
    if (inBatch.has(event.id) || (await deps.handled.seen(event.id))) {
      results[i] = { outcome: 'duplicate' };
      continue;
    }
    inBatch.add(event.id);
    const scope = { accountId: event.accountId, region: event.region };
    const group = groups.get(scopeKey(scope)) ?? { scope, events: [], indexes: [] };
    group.events.push(event);
    group.indexes.push(i);
    groups.set(scopeKey(scope), group);
  }
  for (const g of groups.values()) {
    const outcome = await handleGroup(deps, g);
    g.indexes.forEach((index, n) => {
      results[index] = outcome === 'handled' ? { outcome, at: g.events[n]?.at ?? '' } : outcome;
    });
  }
  return results;
}

async function handleGroup(
  deps: DriftDeps,
  g: Group,
): Promise<'handled' | { outcome: 'ignored' } | { outcome: 'error'; error: unknown }> {
  try {
    await handleScopeEvents(deps, g.scope, g.events);
    return 'handled';
  } catch (error) {
    if (error instanceof CodedError && error.code === 'unknown-account') {
      deps.log.info(
        { ...g.scope, events: g.events.length },
        'drift: events of an account outside the workflow',
      );
      return { outcome: 'ignored' };
    }
    return { outcome: 'error', error };
  }
}
