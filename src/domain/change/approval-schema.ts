import { z } from 'zod';

/**
 * The workflow file's `approvals` block: who may request, approve and snooze changes to production.
 * Merged into `Workflow` by the lead (`approvals: Approvals.default(APPROVALS_DEFAULTS)`).
 * With no approvers configured nobody can approve, so nothing is ever changed: fail closed.
 */

/** Slack user ids: `U…`, or `W…` on Enterprise Grid. */
const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U0123ABCD');
/** Slack user group ids (`usergroups.list`): `S…`. */
const SlackGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id such as S0123ABCD');
/** Public (`C…`) or private (`G…`) channel ids; members of the channel count as security. */
const SlackChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id such as C0123ABCD');

export const Approvers = z.strictObject({
  users: z.array(SlackUserId).default([]),
  groups: z.array(SlackGroupId).default([]),
});
export type Approvers = z.infer<typeof Approvers>;

export const SecurityMembers = z.strictObject({
  users: z.array(SlackUserId).default([]),
  groups: z.array(SlackGroupId).default([]),
  channels: z.array(SlackChannelId).default([]),
});
export type SecurityMembers = z.infer<typeof SecurityMembers>;

export const Approvals = z
  .strictObject({
    /** may approve change requests and request rollbacks */
    approvers: Approvers.default({ users: [], groups: [] }),
    /** may request changes for any instance and snooze anything */
    security: SecurityMembers.default({ users: [], groups: [], channels: [] }),
    /** production targets need two distinct approvers, neither of them the requester */
    requireTwoApproversForProd: z.boolean().default(true),
    /** a request nobody approves or denies expires after this long */
    requestTtlHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 14)
      .default(24),
    /** the written reason an approver must give to enforce on an instance still using IMDSv1 */
    overrideReasonMinLength: z.number().int().min(1).max(500).default(20),
    /**
     * the readiness gate re-reads IMDSv1 use at approval and just before each instance is changed: a
     * scan older than this is topped up with a fresh MetadataNoToken read since the scan (0: always)
     */
    maxScanAgeHours: z
      .number()
      .min(0)
      .max(24 * 14)
      .default(1),
    maxSnoozeDays: z.number().int().min(1).max(365).default(30),
    /** the choices a card offers; each at most maxSnoozeDays */
    snoozeChoicesDays: z.array(z.number().int().min(1)).min(1).max(25).default([1, 3, 7, 14, 30]),
    /** the hop limit container hosts get when enforced (containers need at least 2) */
    containerHopLimit: z.number().int().min(2).max(64).default(2),
  })
  .superRefine((a, ctx) => {
    a.snoozeChoicesDays.forEach((days, i) => {
      if (days <= a.maxSnoozeDays) return;
      ctx.addIssue({
        code: 'custom',
        path: ['snoozeChoicesDays', i],
        message: `${days} days is more than maxSnoozeDays (${a.maxSnoozeDays})`,
      });
    });
  });
export type Approvals = z.infer<typeof Approvals>;

/** Every default, for `Approvals.default(...)` in the workflow and for tests. */
export const APPROVALS_DEFAULTS: Approvals = Approvals.parse({});
