import { z } from 'zod';
import { ACCOUNT_ID_DIGITS, AccountId } from '../domain/account-id.js';
import { APPROVALS_DEFAULTS, Approvals } from '../domain/change/approval-schema.js';
import { REFRESH_DEFAULTS, RefreshSettings } from '../domain/change/instance-refresh.js';
import { NONPROD_VALUES } from '../domain/fixes/environment.js';
import { TWIN_TAGS } from '../domain/fixes/twins.js';
import { SLACK_DEFAULTS, SlackSettings } from './slack-schema.js';

const RoleArn = z
  .string()
  .regex(
    new RegExp(String.raw`^arn:aws[\w-]*:iam::${ACCOUNT_ID_DIGITS}:role/[\w+=,.@/-]+$`),
    'an IAM role ARN',
  );
const RegionName = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region name such as eu-west-1');

const ExternalId = z.string().min(2).max(1224);
const OuId = z
  .string()
  .regex(
    /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/,
    'an OU id such as ou-ab12-cd34ef56, or a root id such as r-ab12',
  );

export const MemberAccount = z.strictObject({
  id: AccountId,
  name: z.string().optional(),
  roleArn: RoleArn,
  /** the role changes are made with (e.g. ImdsBotChange); absent: roleArn, its scan sessions read-only */
  changeRoleArn: RoleArn.optional(),
  externalId: ExternalId.optional(),
});
export type MemberAccount = z.infer<typeof MemberAccount>;

/** In an account list, the bot's own (hub) account with its own credentials: `- self`. */
export const SELF = 'self';

/** Tag key -> the values that match (one value or a list). */
const TagMatch = z.record(
  z.string().min(1).max(128),
  z.union([z.string(), z.array(z.string()).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v)),
);

/** Accounts picked by id, by OU (nested OUs included) or by account tag. */
export const OrganizationSelection = z.strictObject({
  accounts: z.array(AccountId).default([]),
  ous: z.array(OuId).default([]),
  tags: TagMatch.default({}),
});
export type OrganizationSelection = z.infer<typeof OrganizationSelection>;

const EXTERNAL_ID_KEY = new RegExp(
  `^(${ACCOUNT_ID_DIGITS}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$`,
);

const NOTHING: OrganizationSelection = { accounts: [], ous: [], tags: {} };

/**
 * The ACTIVE accounts of the organization (Organizations ListAccounts from the hub), narrowed by
 * include / exclude. The management account is left out unless includeManagementAccount is set.
 */
export const OrganizationScope = z.strictObject({
  /** the role to assume in each member, e.g. ImdsBotScanner */
  roleName: z.string().regex(/^[\w+=,.@-]+$/, 'an IAM role name such as ImdsBotScanner'),
  /**
   * the role changes are made with in every account (the bot's own account too), e.g. ImdsBotChange;
   * absent: roleName, whose scan sessions carry a read-only session policy
   */
  changeRoleName: z
    .string()
    .regex(/^[\w+=,.@-]+$/, 'an IAM role name such as ImdsBotChange')
    .optional(),
  /** the ExternalId of every member role, unless externalIds says otherwise */
  externalId: ExternalId.optional(),
  /** ExternalId by account id or OU id: the account's own first, then its nearest OU's */
  externalIds: z
    .record(z.string(), ExternalId)
    .superRefine((ids, ctx) => {
      for (const key of Object.keys(ids))
        if (!EXTERNAL_ID_KEY.test(key))
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'keys are account ids (12 digits) or OU ids (ou-…, r-…)',
          });
    })
    .default({}),
  /** only these accounts: listed or under a listed OU, and carrying every tag given */
  include: OrganizationSelection.refine(
    (s) => s.accounts.length + s.ous.length + Object.keys(s.tags).length > 0,
    'include needs accounts, ous or tags (leave include out to scan every account)',
  ).optional(),
  /** skipped: listed, under a listed OU, or carrying any tag given (a plain list: account ids) */
  exclude: z
    .union([z.array(AccountId).transform((accounts) => ({ ...NOTHING, accounts })), OrganizationSelection])
    .default(NOTHING),
  /** the management account is skipped unless this is true */
  includeManagementAccount: z.boolean().default(false),
});
export type OrganizationScope = z.infer<typeof OrganizationScope>;

function uniqueIds(list: (typeof SELF | MemberAccount)[]): boolean {
  const ids = list.flatMap((a) => (a === SELF ? [] : [a.id]));
  return new Set(ids).size === ids.length;
}

export const Schedule = z.strictObject({
  cron: z.string().refine((c) => c.trim().split(/\s+/).length >= 5 && c.trim().split(/\s+/).length <= 6, {
    message: 'a cron pattern with 5 or 6 fields, e.g. "0 6 * * 1-5"',
  }),
  timezone: z.string().default('UTC'),
});
export type Schedule = z.infer<typeof Schedule>;

/** `--env nonprod` of the digests: only non-production laggards (src/domain/fixes/environment.ts) */
export const DigestEnv = z.literal('nonprod');
export type DigestEnv = z.infer<typeof DigestEnv>;

/** The digest's cron, optionally limited to non-production laggards (`env: nonprod`). */
export const DigestSchedule = Schedule.extend({ env: DigestEnv.optional() });
export type DigestSchedule = z.infer<typeof DigestSchedule>;

/**
 * BatchImportFindings after each scan: one finding per laggard, fixed or gone ones resolved.
 * `region`: the Security Hub the findings go to (the administrator's aggregation region; default
 * the hub's AWS_REGION);
 * `accountId`: the importing account (the Security Hub administrator) when it is not the bot's
 * own (default: GetCallerIdentity of the hub credentials).
 */
export const SecurityHubExport = z.strictObject({
  enabled: z.boolean(),
  region: RegionName.optional(),
  accountId: AccountId.optional(),
});
export type SecurityHubExport = z.infer<typeof SecurityHubExport>;

/**
 * A copy of the audit trail, streamed as entries are written (the chain in Redis stays the source
 * of truth): a file of JSON lines, appended; or a webhook, POSTed batches signed with HMAC-SHA256
 * under the secret in the environment variable `secretEnv`.
 */
export const AuditSink = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('file'), path: z.string().min(1) }),
  z.strictObject({
    kind: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }),
    secretEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name')
      .default('IMDS_BOT_AUDIT_WEBHOOK_SECRET'),
  }),
]);
export type AuditSink = z.infer<typeof AuditSink>;

/**
 * Finding the IMDSv1 caller: opt-in, because it runs a (read-only) script on the instance through
 * SSM Run Command once an approver approves. The script watches IMDS traffic for `seconds`.
 */
export const FindCaller = z.strictObject({
  enabled: z.boolean().default(false),
  seconds: z.number().int().min(5).max(300).default(60),
  /** between two GetCommandInvocation calls */
  pollSeconds: z.number().min(0.05).max(60).default(5),
});
export type FindCaller = z.infer<typeof FindCaller>;
const FIND_CALLER_DEFAULTS = { enabled: false, seconds: 60, pollSeconds: 5 };

const ANCHOR_DEFAULT = { cron: '0 * * * *', timezone: 'UTC' };

const QueueUrl = z
  .string()
  .regex(
    new RegExp(String.raw`^https?://[^/\s]+/${ACCOUNT_ID_DIGITS}/[\w-]{1,80}$`),
    'an SQS queue URL such as https://sqs.eu-west-1.amazonaws.com/111122223333/imds-bot-drift',
  );

/**
 * Drift between scans: the SQS queues an EventBridge rule fills with CloudTrail RunInstances and
 * ModifyInstanceMetadataOptions events (deploy/cloudformation/drift-*.yaml). When set, `worker`
 * and `serve` long-poll them, rescan each instance named and alert its owner.
 */
export const DriftSettings = z.strictObject({
  queueUrls: z.array(QueueUrl).min(1),
  /** where a message that cannot be handled goes; without it, it is deleted with a log line */
  deadLetterQueueUrl: QueueUrl.optional(),
  /** receives of a failing message before it is given up on */
  maxReceives: z.number().int().min(1).max(100).default(5),
  visibilityTimeoutSeconds: z.number().int().min(10).max(43_200).default(120),
  /** owners are alerted once no event came for this long (a burst makes one alert per owner)... */
  alertQuietSeconds: z.number().int().min(0).max(3600).default(30),
  /** ...or this long after the burst's first event, whichever is sooner */
  alertMaxDelaySeconds: z.number().int().min(1).max(3600).default(300),
});
export type DriftSettings = z.infer<typeof DriftSettings>;

export const Workflow = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1),
  scope: z.strictObject({
    /**
     * 'self': only the bot's own account; a list of member accounts, where `self` stands for the
     * bot's own account with its own credentials; organization: its active accounts
     */
    accounts: z.union([
      z.literal(SELF),
      z
        .array(z.union([z.literal(SELF), MemberAccount]))
        .min(1)
        .refine((list) => list.filter((a) => a === SELF).length <= 1, 'self may appear once in the list')
        .refine(uniqueIds, 'each account id may appear once in the list'),
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
  /** how an instance's environment is read from its tags (src/domain/fixes/environment.ts) */
  environment: z
    .strictObject({
      tag: z.string().min(1).default('Environment'),
      prodValues: z.array(z.string().min(1)).min(1).default(['prod', 'production']),
      /** read after `tag` for `--env nonprod` and the twins count, first with a value wins */
      alsoTags: z.array(z.string().min(1)).default(['env', 'stage']),
      /** values that mean non-production; any other value (or none) is unknown, never non-production */
      nonprodValues: z.array(z.string().min(1)).min(1).default(NONPROD_VALUES),
      /** tag keys naming the app, in priority order (`Name` also reads the instance name): a production
       * laggard and a non-production instance with the same value are twins (the report counts them) */
      twinTags: z.array(z.string().min(1)).min(1).default(TWIN_TAGS),
    })
    .default({
      tag: 'Environment',
      prodValues: ['prod', 'production'],
      alsoTags: ['env', 'stage'],
      nonprodValues: NONPROD_VALUES,
      twinTags: TWIN_TAGS,
    }),
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
      digest: DigestSchedule.optional(),
      /** when the audit chain's head is anchored outside Redis (audit.anchorFile, the security channel) */
      anchor: Schedule.default(ANCHOR_DEFAULT),
    })
    .default({ anchor: ANCHOR_DEFAULT }),
  audit: z
    .strictObject({
      /** JSON lines of {at, seq, hash}: anchors of the audit chain, outside Redis; `audit verify` reads them */
      anchorFile: z.string().min(1).optional(),
      /** where the audit trail is streamed as entries are written (docs/audit-schema.md) */
      sinks: z.array(AuditSink).max(8).optional(),
    })
    .default({}),
  fixes: z
    .strictObject({
      findCaller: FindCaller.default(FIND_CALLER_DEFAULTS),
    })
    .default({ findCaller: FIND_CALLER_DEFAULTS }),
  slack: SlackSettings.default(SLACK_DEFAULTS),
  drift: DriftSettings.optional(),
  approvals: Approvals.default(APPROVALS_DEFAULTS),
  /** where findings go besides Slack, after each scan */
  exports: z
    .strictObject({ securityHub: SecurityHubExport.default({ enabled: false }) })
    .default({ securityHub: { enabled: false } }),
  /** Auto Scaling instance refreshes after a launch-template fix */
  refresh: RefreshSettings.default(REFRESH_DEFAULTS),
});
export type Workflow = z.infer<typeof Workflow>;
