import type { ViewResponseAction } from '@slack/bolt';
import type { z } from 'zod';

/**
 * A modal's private_metadata, read back through its schema. Anything the bot did not write (not
 * JSON, another shape, too long) is null: the modal then says so instead of the listener throwing.
 */
export function readMetadata<T>(schema: z.ZodType<T>, raw: string | undefined): T | null {
  if (!raw || raw.length > 3000) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export const NOT_OURS = 'This form is not from imds-bot or has expired; open it again from the card.';

interface SubmittedBlock {
  type?: string;
  block_id?: string;
}

/**
 * How to answer a submission with errors: `response_action: errors` on the modal's fields when it
 * has them; a modal without an input block (a confirmation) is replaced by one saying what failed.
 */
export function errorAnswer(
  blocks: readonly unknown[] | undefined,
  errors: Record<string, string>,
): ViewResponseAction {
  const inputs = (blocks ?? [])
    .map((b) => b as SubmittedBlock)
    .filter((b) => b.type === 'input' && typeof b.block_id === 'string')
    .map((b) => b.block_id as string);
  const shown = Object.entries(errors).filter(([id]) => inputs.includes(id));
  if (shown.length > 0) return { response_action: 'errors', errors: Object.fromEntries(shown) };
  const first = inputs[0];
  if (first) return { response_action: 'errors', errors: { [first]: Object.values(errors).join(' ') } };
  return {
    response_action: 'update',
    view: {
      type: 'modal',
      title: { type: 'plain_text', text: 'imds-bot' },
      close: { type: 'plain_text', text: 'Close' },
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: Object.values(errors).join(' ') || NOT_OURS } },
      ],
    },
  };
}
