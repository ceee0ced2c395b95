import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FORMATS, type Format } from '../report/format.js';
import { UsageError } from './args.js';

const BY_EXTENSION: Record<string, Format> = { '.json': 'json', '.csv': 'csv', '.txt': 'table', '': 'table' };

/** `--format`, else the `--output` file's extension, else table. */
export function formatOf(
  format: string | undefined,
  output: string | undefined,
  formats: readonly Format[] = FORMATS,
): Format {
  if (format !== undefined) {
    if (!formats.includes(format as Format))
      throw new UsageError(`--format must be one of ${formats.join(', ')}, not "${format}"`);
    return format as Format;
  }
  if (output === undefined) return 'table';
  const byExt = BY_EXTENSION[extname(output).toLowerCase()];
  if (!byExt)
    throw new UsageError(
      `cannot tell the format of "${output}" from its extension (.json, .csv, .txt): add --format ${formats.join('|')}`,
    );
  return byExt;
}

/**
 * A stream whose reader may go away (`| head`): after EPIPE or close, writes stop quietly
 * instead of raising `write EPIPE` or waiting for a drain that never comes.
 */
export function quietOnClose(out: NodeJS.WritableStream) {
  let closed = false;
  let wake: () => void = () => undefined;
  const gone = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const onGone = (err?: NodeJS.ErrnoException) => {
    if (err && err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') return;
    closed = true;
    wake();
  };
  out.on('error', onGone);
  out.once('close', () => onGone());
  return {
    /** writes every chunk in order, waiting for drain; stops at once when the reader is gone */
    async writeAll(chunks: Iterable<string>): Promise<void> {
      for (const chunk of chunks) {
        if (closed) return;
        if (!out.write(chunk)) await Promise.race([new Promise((r) => out.once('drain', r)), gone]);
      }
    },
    get closed() {
      return closed;
    },
  };
}

/** Writes the chunks to `file` through a temporary file in the same directory, then renames it. */
export async function writeFileAtomically(file: string, chunks: Iterable<string>): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`);
  try {
    await pipeline(Readable.from(chunks), createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new UsageError(`cannot write ${file}: ${(err as Error).message}`);
  }
}
