import type { FakeSlackSettings } from '../schema.js';
import type { Args } from '../types.js';
import { type Failure, fail } from './args.js';

export interface MessageContent {
  text: string | undefined;
  blocks: unknown[] | undefined;
}

type Limits = Pick<FakeSlackSettings, 'maxMessageBlocks' | 'maxBlocksChars' | 'maxTextChars'>;

function blocksOf(value: unknown): unknown[] | undefined | 'invalid' {
  if (value === undefined || value === null || value === '') return undefined;
  return Array.isArray(value) ? value : 'invalid';
}

/**
 * text and blocks of chat.postMessage / chat.update / chat.postEphemeral / response_url posts,
 * checked as Slack does: no_text, invalid_blocks_format, invalid_blocks (over 50 blocks),
 * msg_blocks_too_long (Slack's answer near 13k characters of blocks; measured here as the length
 * of the blocks' JSON, slackapi/bolt-js#2509), msg_too_long (text over 40,000 characters).
 */
export function checkContent(
  args: Args,
  limits: Limits,
  opts: { requireSome: boolean } = { requireSome: true },
): MessageContent | Failure {
  const blocks = blocksOf(args.blocks);
  if (blocks === 'invalid') return fail('invalid_blocks_format');
  const text = typeof args.text === 'string' ? args.text : undefined;
  const hasAttachments = args.attachments !== undefined && args.attachments !== '';
  if (opts.requireSome && !text && !blocks?.length && !hasAttachments) return fail('no_text');
  if (blocks && blocks.length > limits.maxMessageBlocks) {
    return fail('invalid_blocks', [
      `[ERROR] must provide at most ${limits.maxMessageBlocks} items [json-pointer:/blocks]`,
    ]);
  }
  if (blocks && JSON.stringify(blocks).length > limits.maxBlocksChars) return fail('msg_blocks_too_long');
  if (text && text.length > limits.maxTextChars) return fail('msg_too_long');
  return { text, blocks };
}
