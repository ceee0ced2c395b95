import { z } from 'zod';
import type { Approvals } from '../../../domain/change/approval-schema.js';
import { SNOOZE_CALLBACK } from '../actions.js';
import { NOT_OURS, readMetadata } from './metadata.js';

const DURATION_BLOCK = 'duration';
const REASON_BLOCK = 'reason';
const MIN_REASON = 10;

const Meta = z.object({
  ref: z.string().max(100),
  channelId: z.string().nullable(),
  messageTs: z.string().nullable(),
  responseUrl: z.string().nullable(),
});
export type SnoozeMeta = z.infer<typeof Meta>;

/** The Snooze modal: how long (the policy's choices) and why (required). */
export function snoozeModal(ref: string, approvals: Approvals, where: Omit<SnoozeMeta, 'ref'>) {
  const options = approvals.snoozeChoicesDays.map((d) => ({
    text: { type: 'plain_text', text: d === 1 ? '1 day' : `${d} days` },
    value: String(d),
  }));
  return {
    type: 'modal',
    callback_id: SNOOZE_CALLBACK,
    private_metadata: JSON.stringify({ ref, ...where }),
    title: { type: 'plain_text', text: 'Snooze this finding' },
    submit: { type: 'plain_text', text: 'Snooze' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'The instance leaves your digests until the snooze ends; then you hear about it again.',
        },
      },
      {
        type: 'input',
        block_id: DURATION_BLOCK,
        label: { type: 'plain_text', text: 'For how long' },
        element: {
          type: 'static_select',
          action_id: 'value',
          options,
          initial_option: options[Math.min(2, options.length - 1)],
        },
      },
      {
        type: 'input',
        block_id: REASON_BLOCK,
        label: { type: 'plain_text', text: 'Why' },
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          multiline: true,
          min_length: MIN_REASON,
          max_length: 500,
          placeholder: {
            type: 'plain_text',
            text: 'e.g. vendor agent needs IMDSv1 until the upgrade on the 30th',
          },
        },
      },
    ],
  };
}

interface SubmittedView {
  private_metadata: string;
  state: {
    values: Record<
      string,
      Record<string, { selected_option?: { value?: string } | null; value?: string | null }>
    >;
  };
}

export type SnoozeSubmission =
  | { ok: true; value: SnoozeMeta & { days: number; reason: string } }
  | { ok: false; errors: Record<string, string> };

/** Reads and checks a submitted Snooze modal; errors name the field, as Slack shows them. */
export function snoozeSubmission(view: SubmittedView, approvals: Approvals): SnoozeSubmission {
  const meta = readMetadata(Meta, view.private_metadata);
  const days = Number(view.state.values[DURATION_BLOCK]?.value?.selected_option?.value);
  const reason = (view.state.values[REASON_BLOCK]?.value?.value ?? '').trim();
  const errors: Record<string, string> = {};
  if (!Number.isInteger(days) || days < 1 || days > approvals.maxSnoozeDays)
    errors[DURATION_BLOCK] = `Pick a duration of at most ${approvals.maxSnoozeDays} days.`;
  if (reason.length < MIN_REASON)
    errors[REASON_BLOCK] = `Say why in at least ${MIN_REASON} characters: approvers and auditors read it.`;
  if (!meta) errors[DURATION_BLOCK] = NOT_OURS;
  if (Object.keys(errors).length > 0 || !meta) return { ok: false, errors };
  return { ok: true, value: { ...meta, days, reason } };
}
