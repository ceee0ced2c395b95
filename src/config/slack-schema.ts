import { z } from 'zod';

const SlackChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel id such as C0123ABCD');
const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U0123ABCD');
const SlackGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'a Slack user group id such as S0123ABCD');

/**
 * A team: where its digests go, and who may snooze or acknowledge its instances from there. Posting
 * in the channel is not enough: only `members` (and members of `usergroup`) act for the team, besides
 * security. The short form `team: C…` names the channel only (then only security acts for the team).
 */
export const TeamSettings = z.union([
  SlackChannelId.transform((channel) => ({ channel, members: [] as string[], usergroup: null })),
  z
    .strictObject({
      channel: SlackChannelId,
      members: z.array(SlackUserId).default([]),
      usergroup: SlackGroupId.nullable().optional(),
    })
    .transform((t) => ({ channel: t.channel, members: t.members, usergroup: t.usergroup ?? null })),
]);
export type TeamSettings = z.infer<typeof TeamSettings>;

/**
 * The workflow file's `slack` block: where things are posted and how owners are reached.
 * Who may do what is in `approvals` (security members, approvers).
 */
export const SlackSettings = z.strictObject({
  /** unowned instances, owners that do not resolve, reports and approvals go here */
  securityChannel: SlackChannelId.optional(),
  /** approval requests are (also) posted here; defaults to securityChannel */
  approversChannel: SlackChannelId.optional(),
  /** owner tag values that name a team, mapped to the team's channel (and who acts for the team) */
  teams: z.record(z.string().min(1), TeamSettings).default({}),
  digest: z
    .strictObject({
      /** on-change: an owner hears again only when their findings changed (regressions always) */
      cadence: z.enum(['on-change', 'always']).default('on-change'),
    })
    .default({ cadence: 'on-change' }),
  /** how long a resolved owner (email -> Slack user) is trusted; misses are kept for a sixth of it */
  ownerCacheHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
  /** the console link host, e.g. for GovCloud or China partitions */
  consoleHost: z.string().default('console.aws.amazon.com'),
});
export type SlackSettings = z.infer<typeof SlackSettings>;

export const SLACK_DEFAULTS: SlackSettings = SlackSettings.parse({});

/** Change requests are posted here: the approvers' channel, or the security channel. */
export const approversChannelOf = (s: SlackSettings): string | undefined =>
  s.approversChannel ?? s.securityChannel;

/** The settings of the team an owner tag names (case-insensitive), if any. */
export const teamNamed = (s: SlackSettings, name: string): TeamSettings | undefined =>
  Object.entries(s.teams).find(([n]) => n.toLowerCase() === name.trim().toLowerCase())?.[1];
