import { z } from 'zod';
import { APPROVALS_DEFAULTS, Approvals } from './approval-schema.js';
import { SLACK_DEFAULTS, SlackSettings } from './slack-schema.js';

const AccountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');
const RoleArn = z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'an IAM role ARN');
const RegionName = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region name such as eu-west-1');

export const MemberAccount = z.strictObject({
  id: AccountId,
  name: z.string().optional(),
  roleArn: RoleArn,
  externalId: z.string().min(2).max(1224).optional(),
});
export type MemberAccount = z.infer<typeof MemberAccount>;

/** Every ACTIVE account of the organization, through Organizations ListAccounts from the hub. */
export const OrganizationScope = z.strictObject({
  /** the role to assume in each member, e.g. ImdsBotScanner */
  roleName: z.string().regex(/^[\w+=,.@-]+$/),
  externalId: z.string().min(2).max(1224).optional(),
  exclude: z.array(AccountId).default([]),
});

export const Schedule = z.strictObject({
  cron: z.string().refine((c) => c.trim().split(/\s+/).length >= 5 && c.trim().split(/\s+/).length <= 6, {
    message: 'a cron pattern with 5 or 6 fields, e.g. "0 6 * * 1-5"',
  }),
  timezone: z.string().default('UTC'),
});
export type Schedule = z.infer<typeof Schedule>;

export const Workflow = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1),
  scope: z.strictObject({
    /** 'self': only the bot's own account; a list: member accounts; organization: all active accounts */
    accounts: z.union([
      z.literal('self'),
      z.array(MemberAccount).min(1),
      z.strictObject({ organization: OrganizationScope }),
    ]),
    /** 'all': every region enabled in each account (DescribeRegions) */
    regions: z.union([z.literal('all'), z.array(RegionName).min(1)]),
  }),
  owners: z
    .strictObject({
      /** tag keys that name an owner, highest priority first */
      tags: z.array(z.string().min(1)).min(1).default(['Owner', 'OwnerEmail', 'team']),
    })
    .default({ tags: ['Owner', 'OwnerEmail', 'team'] }),
  environment: z
    .strictObject({
      tag: z.string().min(1).default('Environment'),
      prodValues: z.array(z.string().min(1)).min(1).default(['prod', 'production']),
    })
    .default({ tag: 'Environment', prodValues: ['prod', 'production'] }),
  usage: z
    .strictObject({ windowDays: z.number().int().min(1).max(455).default(14) })
    .default({ windowDays: 14 }),
  scan: z
    .strictObject({
      /** account × region jobs in flight at once, per worker process */
      concurrency: z.number().int().min(1).max(64).default(8),
    })
    .default({ concurrency: 8 }),
  schedules: z
    .strictObject({
      scan: Schedule.optional(),
      digest: Schedule.optional(),
    })
    .default({}),
  slack: SlackSettings.default(SLACK_DEFAULTS),
  approvals: Approvals.default(APPROVALS_DEFAULTS),
});
export type Workflow = z.infer<typeof Workflow>;
