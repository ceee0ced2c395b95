import type { z } from 'zod';
import { CodedError } from '../../domain/errors.js';

/**
 * JSON we stored in Redis, read back through its schema: corrupt text or a value of another shape
 * (an older version, someone else's key) is a permanent CodedError `stored-data-invalid` naming what
 * was read, never a SyntaxError or a bare cast.
 */
export function readJson<S extends z.ZodType>(schema: S, raw: string, what: string): z.output<S> {
  const parsed = schema.safeParse(parseOrUndefined(raw));
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues[0]?.message ?? 'not JSON';
  throw new CodedError('stored-data-invalid', `${what} in Redis is not readable: ${why}`, {
    cause: parsed.error,
  });
}

/** The same, for a cache: anything unreadable is a miss (null), read again from the source. */
export function readJsonOrNull<S extends z.ZodType>(schema: S, raw: string | null): z.output<S> | null {
  if (raw === null) return null;
  const parsed = schema.safeParse(parseOrUndefined(raw));
  return parsed.success ? parsed.data : null;
}

/** undefined for text that is not JSON: no schema of ours accepts undefined at the top. */
function parseOrUndefined(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
