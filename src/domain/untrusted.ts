/**
 * Text from a person or from AWS (reasons, notes, tag values, names, owner strings, error messages)
 * is data. These pure helpers are the one place it is made safe: for Slack mrkdwn (src/slack/text.ts
 * builds every Slack text on top of them), for a terminal and for a spreadsheet.
 */

/** The one escape: the three characters Slack's mrkdwn reads as markup. */
export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Bidi controls (which reorder what a reader sees) and the Arabic letter mark. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Line and paragraph breaks of every kind, tabs included. */
const BREAKS = /\r\n|[\t\n\v\f\r\u0085\u2028\u2029]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** One line of visible text: bidi controls dropped, breaks made spaces, other controls dropped. */
export const oneLine = (s: string): string => s.replace(BIDI, '').replace(BREAKS, ' ').replace(CONTROLS, '');

/**
 * For a terminal: every control, bidi and separator character becomes '?', so a tag cannot move the
 * cursor, recolour, reorder or break the table's lines (ANSI escapes start with U+001B).
 */
export const terminalSafe = (s: string): string =>
  s
    .replace(BIDI, '?')
    .replace(/[\u2028\u2029]/g, '?')
    .replace(CONTROLS, '?');

/** Several lines for a terminal (a list of configuration problems): each line made terminal-safe. */
export const terminalLines = (s: string): string => s.split('\n').map(terminalSafe).join('\n');

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS_BUT_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * For a spreadsheet cell: bidi controls and every control but tab, CR and LF dropped (a CSV is also
 * read with cat or less, where ESC or BEL would act); breaks stay: the CSV quoting keeps them.
 */
export const cellSafe = (s: string): string => s.replace(BIDI, '').replace(CONTROLS_BUT_BREAKS, '');
