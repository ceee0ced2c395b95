import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import type { AuditSinkTarget, SinkLine } from './stream.js';

const TAIL = 64 * 1024;

/**
 * The audit trail appended to a file as JSON lines, fsync'd once per batch (not per line). On
 * first use it reads the file's end: a last line cut short by a crash is cut off, and entries the
 * file already holds (a batch repeated after a crash) are not written twice, so the file is the
 * trail, in order, each entry once.
 */
export function createFileSink(path: string): AuditSinkTarget {
  let fh: FileHandle | null = null;
  let lastSeq = 0;

  async function openOnce(): Promise<FileHandle> {
    if (fh) return fh;
    const handle = await open(path, 'a+', 0o640);
    const { size } = await handle.stat();
    const from = Math.max(0, size - TAIL);
    const buf = Buffer.alloc(size - from);
    await handle.read(buf, 0, buf.length, from);
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end + 1 < text.length) await handle.truncate(from + Buffer.byteLength(text.slice(0, end + 1)));
    const lastLine = text.slice(0, end).split('\n').at(-1) ?? '';
    lastSeq = seqOf(lastLine);
    fh = handle;
    return handle;
  }

  return {
    name: `file-${createHash('sha256').update(path).digest('hex').slice(0, 12)}`,
    async deliver(lines: SinkLine[]) {
      const handle = await openOnce();
      const fresh = lines.filter((l) => l.seq > lastSeq);
      if (fresh.length === 0) return;
      await handle.appendFile(fresh.map((l) => l.line).join(''), 'utf8');
      await handle.datasync();
      lastSeq = fresh.at(-1)?.seq ?? lastSeq;
    },
    async close() {
      await fh?.close();
      fh = null;
    },
  };
}

function seqOf(line: string): number {
  try {
    const seq = (JSON.parse(line) as { seq?: unknown }).seq;
    return typeof seq === 'number' ? seq : 0;
  } catch {
    return 0;
  }
}
