import { appendFile, readFile } from 'node:fs/promises';
import { Anchor } from '../../domain/change/audit-anchors.js';
import { CodedError } from '../../domain/errors.js';

/** Anchors as JSON lines in a file outside Redis (an append-only, backed-up volume in production). */
export function createAnchorFile(path: string) {
  return {
    path,
    async append(a: Anchor): Promise<void> {
      await appendFile(path, `${JSON.stringify(Anchor.parse(a))}\n`, { mode: 0o640 });
    },
    /** Every anchor; a missing file is none yet, a bad line is an error naming the line. */
    async read(): Promise<Anchor[]> {
      const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '';
        throw err;
      });
      return text
        .split('\n')
        .map((line, i) => ({ line: line.trim(), n: i + 1 }))
        .filter((l) => l.line !== '')
        .map(({ line, n }) => {
          const parsed = Anchor.safeParse(safeJson(line));
          if (!parsed.success)
            throw new CodedError('anchor-invalid', `${path} line ${n} is not an anchor {at, seq, hash}`);
          return parsed.data;
        });
    },
  };
}
export type AnchorFile = ReturnType<typeof createAnchorFile>;

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
