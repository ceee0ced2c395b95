import type { Logger } from '../../../src/domain/ports/shared.js';

/** A logger that keeps what it was told, for tests that check a warning was given. */
export function memoryLogger(): Logger & { lines: { level: string; msg: string; meta: object }[] } {
  const lines: { level: string; msg: string; meta: object }[] = [];
  const at = (level: string) => (meta: object, msg: string) => {
    lines.push({ level, msg, meta });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
