import { z } from 'zod';

const AccountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');
const Share = z.number().min(0).max(1);

/** An explicit member account of a generated fleet. */
export const GeneratedAccount = z.object({
  id: AccountId,
  name: z.string().optional(),
  externalId: z.string().optional(),
  denyAssumeRole: z.boolean().optional(),
});

/** The usage mix of instances that allow IMDSv1 (weights, normalised). */
export const UsageMix = z.object({
  inUse: z.number().min(0).default(0.35),
  stoppedUsing: z.number().min(0).default(0.2),
  none: z.number().min(0).default(0.35),
  noData: z.number().min(0).default(0.1),
});

export const OwnerPool = z.object({
  emails: z.array(z.email()).min(1).optional(),
  teams: z.array(z.string().min(1)).min(1).optional(),
  /** share of instances without any owner tag */
  unownedShare: Share.default(0.1),
});

/** What `generateFleet` builds: a big, seeded, plausible fleet. */
export const FleetSpec = z.object({
  seed: z.number().int().default(1),
  hubAccountId: AccountId.default('111111111111'),
  /** the generation's "now": launch times, stops and usage are relative to it; default: today 00:00 UTC */
  now: z.date().optional(),
  /** member accounts: how many, or which */
  accounts: z.union([z.number().int().min(1).max(10_000), z.array(GeneratedAccount).min(1)]).default(5),
  roleName: z.string().default('ImdsBotScanner'),
  /** share of generated member accounts whose role requires an ExternalId */
  externalIdShare: Share.default(0.5),
  /** how many generated member accounts deny AssumeRole */
  deniedAccounts: z.number().int().min(0).default(0),
  /** how many member accounts have their metadata default owned by a declarative policy */
  declarativePolicyAccounts: z.number().int().min(0).default(0),
  regions: z.array(z.string().min(1)).min(1).default(['us-east-1', 'eu-west-1']),
  instances: z.number().int().min(0).max(2_000_000).default(1000),
  /** 0: even spread over account × region; higher: a few scopes hold most instances */
  skew: z.number().min(0).max(10).default(1.5),
  /** share of instances with HttpTokens=optional */
  v1Share: Share.default(0.3),
  usage: UsageMix.default({ inUse: 0.35, stoppedUsing: 0.2, none: 0.35, noData: 0.1 }),
  owners: OwnerPool.default({ unownedShare: 0.1 }),
  prodShare: Share.default(0.3),
  /** share of instances in Auto Scaling groups with launch templates */
  asgShare: Share.default(0.25),
  /** share of those groups whose template (default version) requires tokens */
  enforcingTemplateShare: Share.default(0.4),
  containerHostShare: Share.default(0.08),
  iamProfileShare: Share.default(0.7),
  publicIpShare: Share.default(0.15),
  endpointDisabledShare: Share.default(0.02),
  stoppedShare: Share.default(0.05),
  recentLaunchShare: Share.default(0.1),
  terminated: z.number().int().min(0).default(2),
});
export type FleetSpec = z.input<typeof FleetSpec>;
export type ResolvedFleetSpec = z.output<typeof FleetSpec>;
