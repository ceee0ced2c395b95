import type { KnownBlock } from '@slack/types';

/**
 * Small pure helpers shared by the Block Kit builders: the Block Kit limits
 * (https://docs.slack.dev/reference/block-kit/blocks) and relative times. Text is built in
 * src/slack/text.ts.
 */

export type Block = KnownBlock;

export const LIMITS = {
  blocksPerMessage: 50,
  /** documented nowhere; messages fail near 13k characters of serialized blocks in practice */
  serializedBlocks: 12_000,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  actionsElements: 25,
  contextElements: 10,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  messageText: 4000,
} as const;

/** What `chat.postMessage` sends for `blocks`: the JSON text Slack measures. */
export const serializedLength = (blocks: readonly unknown[]): number => JSON.stringify(blocks).length;

/** '5 min ago', '3 h ago', '2 d ago' from an ISO time, relative to `now`; the date when unparseable. */
export function ago(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  if (ms < 3_600_000) return `${Math.max(0, Math.floor(ms / 60_000))} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}
