import { z } from 'zod';
import { DigestEnv } from '../../../config/workflow-schema.js';
import { Rejection } from '../../../domain/findings/scan.js';
import { ParsedCommand } from '../commands/schema.js';

export const SlackUserRef = z.object({ id: z.string(), name: z.string() });

/** Work a listener hands to the queue after acknowledging Slack within 3 seconds. */
export const SlackTask = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('command'),
    command: ParsedCommand,
    text: z.string(),
    user: SlackUserRef,
    channelId: z.string(),
    responseUrl: z.string(),
  }),
  z.object({
    kind: z.literal('digest'),
    trigger: z.object({ kind: z.enum(['schedule', 'slack', 'cli', 'scan']), by: z.string().nullable() }),
    /** after a scan: post only to owners with a regression (drift is told at once) */
    onlyRegressions: z.boolean().default(false),
    /** `--env nonprod`: only the non-production laggards (by the workflow's environment tags) */
    env: DigestEnv.optional(),
  }),
  z.object({ kind: z.literal('home'), userId: z.string() }),
  /** enforced instances whose IMDSv1 calls are now rejected: owner and approvers hear, with a rollback button */
  z.object({ kind: z.literal('rejections'), items: z.array(Rejection) }),
  z.object({
    kind: z.literal('card-action'),
    action: z.enum(['enforce', 'snooze', 'ack', 'find-caller']),
    /** the opaque id the button carried */
    ref: z.string(),
    user: SlackUserRef,
    channelId: z.string().nullable(),
    messageTs: z.string().nullable(),
    responseUrl: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('cr-decision'),
    action: z.enum(['approve', 'deny', 'rollback']),
    requestId: z.string(),
    /** a rollback of one instance of a bulk */
    instanceId: z.string().optional(),
    user: SlackUserRef,
    channelId: z.string().nullable(),
    responseUrl: z.string().nullable(),
    overrideReason: z.string().optional(),
    confirmed: z.boolean().optional(),
    reason: z.string().optional(),
  }),
  /** a Fix button of `/imds guardrails`: its value is read through GuardrailFixValue when handled */
  z.object({
    kind: z.literal('guardrail-fix'),
    value: z.string().max(2000),
    user: SlackUserRef,
    channelId: z.string().nullable(),
    responseUrl: z.string().nullable(),
  }),
  /** Refresh <group> on an applied template fix: the `index`-th group its card offers */
  z.object({
    kind: z.literal('cr-refresh'),
    requestId: z.string(),
    index: z.number().int().nonnegative(),
    user: SlackUserRef,
    channelId: z.string().nullable(),
    responseUrl: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('snooze'),
    ref: z.string(),
    days: z.number().int().positive(),
    reason: z.string(),
    user: SlackUserRef,
    channelId: z.string().nullable(),
    messageTs: z.string().nullable(),
    responseUrl: z.string().nullable(),
  }),
]);
export type SlackTask = z.infer<typeof SlackTask>;
