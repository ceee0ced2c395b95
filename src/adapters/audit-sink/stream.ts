import { randomBytes } from 'node:crypto';
import { errorMessage } from '../../domain/errors.js';
import type { Logger } from '../../domain/ports/shared.js';
import { auditJsonLine } from '../../report/audit-formats.js';
import { type AuditSinkCursor, createAuditSinkState } from '../redis/audit-sink-state.js';
import type { RedisClient } from '../redis/connection.js';

/** One entry as a sink gets it: its seq and its JSON line (docs/audit-schema.md, `\n` ended). */
export interface SinkLine {
  seq: number;
  line: string;
}

/** Where the trail goes: `deliver` resolves once the lines are safely there, throws otherwise. */
export interface AuditSinkTarget {
  /** stable across restarts: the key of its cursor in Redis */
  name: string;
  deliver(lines: SinkLine[]): Promise<void>;
  close?(): Promise<void>;
}

export interface AuditStreamDeps {
  /** for the cursor and the lease */
  redis: RedisClient;
  /** a connection of its own: XREAD BLOCK holds it while it waits */
  reader: RedisClient;
  prefix: string;
  sink: AuditSinkTarget;
  log: Logger;
  /** entries per delivery (default 100) */
  batch?: number;
  /** how long one XREAD waits for new entries (default 1000 ms): also how fast `stop` returns */
  blockMs?: number;
  /** retry delays after a failed delivery: first, doubled each time, at most max (default 1 s, 60 s) */
  backoff?: { firstMs: number; maxMs: number };
  leaseMs?: number;
}

/**
 * Streams the audit trail to one sink as entries are written: XREAD BLOCK on the audit stream after
 * the sink's cursor (the last entry it took, kept in Redis), a batch delivered, then the cursor
 * moved. The append itself never waits for a sink: a sink that is down only falls behind, retried
 * with exponential backoff, and catches up from its cursor (after a restart too). A sink never
 * given a cursor starts from the first entry. Delivery is at least once: a crash between delivery
 * and cursor can repeat a batch, which carries its seqs (the file sink drops what it already has).
 */
export function startAuditStream(deps: AuditStreamDeps) {
  const state = createAuditSinkState({
    redis: deps.redis,
    reader: deps.reader,
    prefix: deps.prefix,
    sink: deps.sink.name,
  });
  const holder = randomBytes(8).toString('hex');
  const backoff = deps.backoff ?? { firstMs: 1000, maxMs: 60_000 };
  const leaseMs = deps.leaseMs ?? 30_000;
  const sink = deps.sink.name;
  const log = deps.log;
  const stopping = new AbortController();
  let failures = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      stopping.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });

  async function next(cursor: AuditSinkCursor): Promise<{ lines: SinkLine[]; last: AuditSinkCursor } | null> {
    const rows = await state.after(cursor, deps.batch ?? 100, deps.blockMs ?? 1000);
    const last = rows.at(-1);
    if (!last) return null;
    const lines = rows.map(({ entry }) => ({ seq: entry.seq, line: auditJsonLine(entry) }));
    return { lines, last: { seq: last.entry.seq, id: last.id } };
  }

  async function step(): Promise<void> {
    if (!(await state.takeLease(holder, leaseMs))) {
      await sleep(Math.min(leaseMs / 3, 5000));
      return;
    }
    const batch = await next(await state.cursor());
    if (!batch) return;
    try {
      await deps.sink.deliver(batch.lines);
    } catch (err) {
      failures += 1;
      const wait = Math.min(backoff.maxMs, backoff.firstMs * 2 ** (failures - 1));
      const fields = {
        sink,
        failures,
        retryInMs: wait,
        fromSeq: batch.lines[0]?.seq,
        err: errorMessage(err),
      };
      if (failures === 1 || failures % 10 === 0) log.warn(fields, 'audit sink delivery failed');
      await sleep(wait);
      return;
    }
    if (failures > 0) log.info({ sink, failures, seq: batch.last.seq }, 'audit sink delivering again');
    failures = 0;
    await state.saveCursor(batch.last);
  }

  const running = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await step();
      } catch (err) {
        if (stopping.signal.aborted) break;
        log.warn({ sink, err: errorMessage(err) }, 'audit sink stream interrupted');
        await sleep(backoff.firstMs);
      }
    }
  })();

  return {
    /** the last entry the sink took (0: none yet) */
    async deliveredSeq(): Promise<number> {
      return (await state.cursor()).seq;
    },
    async stop(): Promise<void> {
      stopping.abort();
      await running;
      await state.releaseLease(holder);
      await deps.sink.close?.();
    },
  };
}
export type AuditStream = ReturnType<typeof startAuditStream>;
