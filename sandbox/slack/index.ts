/**
 * A local stand-in for Slack speaking its real wire protocols, so the real @slack/web-api WebClient,
 * @slack/socket-mode SocketModeClient and Bolt work against it unchanged:
 *
 *   const fake = await startFakeSlack({ users, channels, usergroups, timeScale: 10 });
 *   const web = new WebClient(fake.botToken, { slackApiUrl: fake.url });
 *   await web.chat.postMessage({ channel: 'U00000001', text: 'hi' });
 *   fake.messagesIn('U00000001');                        // the message, in that user's DM
 *   const ack = await fake.socket.push('slash_commands', slashCommandPayload({ ... }));
 *
 * Web API: POST /api/<method>, form or JSON, Bearer token; Slack's rate tiers (429 + Retry-After),
 * scripted and random faults, a call log. Also the files upload URL, response_urls (5 uses, 30 min),
 * trigger_ids (3 s, once) and Socket Mode (apps.connections.open → ws://…/link/?ticket=…).
 * For tests of an HTTP receiver, signing.ts builds signed slash command / interaction bodies.
 */
export type { CallSummary } from './calls.js';
export { type FailSpec, FaultScript } from './faults.js';
export {
  type GeneratedWorkspace,
  type GenerateWorkspaceOptions,
  generateUsers,
  generateWorkspace,
} from './generate.js';
export {
  type ActionInput,
  type BlockActionsInput,
  blockActionsPayload,
  eventCallbackPayload,
  FAKE_APP_ID,
  FAKE_TEAM,
  type PayloadUser,
  type SlashCommandInput,
  slashCommandPayload,
  type ViewSubmissionInput,
  viewSubmissionPayload,
} from './payloads.js';
export { DEFAULT_METHOD_LIMITS } from './rate-limit.js';
export {
  FakeSlackOptions,
  type FakeSlackOptionsInput,
  type MethodLimit,
  RateLimitSettings,
  SeedChannel,
  SeedUser,
  Tier,
} from './schema.js';
export { type FakeSlack, type StartFakeSlackOptions, startFakeSlack } from './server.js';
export {
  blockActionsBody,
  eventCallbackBody,
  FORM_CONTENT_TYPE,
  interactionBody,
  type SlackSignatureHeaders,
  signRequest,
  slackRequestHeaders,
  slashCommandBody,
  viewSubmissionBody,
} from './signing.js';
export type { SocketHub } from './socket.js';
export type { SlackState } from './state.js';
export type * from './types.js';
