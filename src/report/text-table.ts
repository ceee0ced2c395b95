import { terminalSafe } from '../domain/untrusted.js';

/** Tag values reach the terminal: control, bidi and separator characters become '?' (see terminalSafe). */
export const clean = (s: string, max = 40): string => {
  const t = terminalSafe(s);
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** Aligned columns under a header and a rule; every cell made terminal-safe. */
export function table(headers: string[], data: string[][]): string[] {
  const rows = data.map((r) => r.map(terminalSafe));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
