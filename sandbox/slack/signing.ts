import { createHmac } from 'node:crypto';
import {
  type BlockActionsInput,
  blockActionsPayload,
  eventCallbackPayload,
  type SlashCommandInput,
  slashCommandPayload,
  type ViewSubmissionInput,
  viewSubmissionPayload,
} from './payloads.js';

/**
 * Requests as Slack sends them to an app's HTTP endpoint (Bolt's HTTPReceiver): the body exactly as
 * Slack encodes it, and the signature headers Slack adds.
 */

export type SlackSignatureHeaders = {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
};

/** Slack's v0 signature: 'v0=' + hex(HMAC-SHA256(secret, `v0:${timestamp}:${rawBody}`)). */
export function signRequest(
  rawBody: string,
  signingSecret: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const digest = createHmac('sha256', signingSecret)
    .update(`v0:${timestampSeconds}:${rawBody}`)
    .digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': String(timestampSeconds) };
}

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** Signature headers plus the content type Slack sends with this body (form, or JSON for events). */
export function slackRequestHeaders(
  rawBody: string,
  signingSecret: string,
  timestampSeconds?: number,
): SlackSignatureHeaders & { 'content-type': string } {
  const contentType = rawBody.startsWith('{') ? 'application/json' : FORM_CONTENT_TYPE;
  return { ...signRequest(rawBody, signingSecret, timestampSeconds), 'content-type': contentType };
}

/** A slash command's form body: token=…&team_id=…&…&command=%2Fimds&text=…&response_url=…&trigger_id=… */
export function slashCommandBody(input: SlashCommandInput): string {
  return new URLSearchParams(slashCommandPayload(input)).toString();
}

/** Interactions are a form with one field: payload=<JSON>. */
export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function blockActionsBody(input: BlockActionsInput): string {
  return interactionBody(blockActionsPayload(input));
}

export function viewSubmissionBody(input: ViewSubmissionInput): string {
  return interactionBody(viewSubmissionPayload(input));
}

/** Events API requests are JSON. */
export function eventCallbackBody(event: Record<string, unknown> & { type: string }): string {
  return JSON.stringify(eventCallbackPayload(event));
}
