import { z } from 'zod';
import { DECISION_CALLBACK } from '../actions.js';
import { type Mrkdwn, plainText, section } from '../text.js';
import { NOT_OURS, readMetadata } from './metadata.js';

const FIELD = 'text';

/** What a decision modal asks for: an override reason (in-use), a confirmation (unknown), or a reason (deny, rollback). */
export const DecisionMeta = z.object({
  action: z.enum(['approve', 'deny', 'rollback']),
  asks: z.enum(['override', 'confirm', 'reason']),
  requestId: z.string().max(64),
  /** a rollback of one instance of a bulk */
  instanceId: z.string().max(32).optional(),
  channelId: z.string().nullable(),
  responseUrl: z.string().nullable(),
});
export type DecisionMeta = z.infer<typeof DecisionMeta>;

const TITLES = {
  override: 'Approve with override',
  confirm: 'Confirm enforcement',
  reason: 'Say why',
} as const;

export function decisionModal(meta: DecisionMeta, explain: Mrkdwn, minLength: number) {
  const input =
    meta.asks === 'confirm'
      ? []
      : [
          {
            type: 'input',
            block_id: FIELD,
            label: plainText(
              meta.asks === 'override'
                ? 'Why enforce although it still uses IMDSv1?'
                : 'Reason (goes into the audit trail)',
            ),
            element: {
              type: 'plain_text_input',
              action_id: 'value',
              multiline: true,
              min_length: meta.asks === 'override' ? minLength : 3,
              max_length: 500,
            },
          },
        ];
  return {
    type: 'modal',
    callback_id: DECISION_CALLBACK,
    private_metadata: JSON.stringify(meta),
    title: plainText(TITLES[meta.asks], 24),
    submit: plainText(
      meta.action === 'approve' ? 'Approve' : meta.action === 'deny' ? 'Deny' : 'Request rollback',
      24,
    ),
    close: plainText('Cancel', 24),
    blocks: [section(explain), ...input],
  };
}

interface SubmittedView {
  private_metadata: string;
  state: { values: Record<string, Record<string, { value?: string | null }>> };
}

export type DecisionSubmission =
  | { ok: true; meta: DecisionMeta; text: string }
  | { ok: false; errors: Record<string, string> };

export function decisionSubmission(view: SubmittedView, minLength: number): DecisionSubmission {
  const meta = readMetadata(DecisionMeta, view.private_metadata);
  if (!meta) return { ok: false, errors: { [FIELD]: NOT_OURS } };
  const text = (view.state.values[FIELD]?.value?.value ?? '').trim();
  if (meta.asks === 'override' && text.length < minLength)
    return {
      ok: false,
      errors: { [FIELD]: `Write at least ${minLength} characters: approvers and auditors read it.` },
    };
  if (meta.asks === 'reason' && text.length < 3) return { ok: false, errors: { [FIELD]: 'Say why.' } };
  return { ok: true, meta, text };
}
