import { z } from 'zod';
import { FAKE_APP_ID, FAKE_TEAM } from './payloads.js';

const Share = z.number().min(0).max(1);

/** A workspace member as tests seed it; ids start with U (people) or U/B-style bots flagged is_bot. */
export const SeedUser = z.object({
  id: z.string().regex(/^[UW][A-Z0-9]+$/, 'a user id: U or W, then upper-case letters/digits'),
  name: z.string().min(1),
  real_name: z.string().optional(),
  email: z.string().optional(),
  deleted: z.boolean().optional(),
  is_bot: z.boolean().optional(),
  tz: z.string().optional(),
});
export type SeedUser = z.infer<typeof SeedUser>;

export const SeedChannel = z.object({
  id: z.string().regex(/^[CG][A-Z0-9]+$/, 'a conversation id: C or G, then upper-case letters/digits'),
  name: z.string().min(1),
});
export type SeedChannel = z.infer<typeof SeedChannel>;

export const Tier = z.enum(['tier1', 'tier2', 'tier3', 'tier4']);
export type Tier = z.infer<typeof Tier>;

/** How a method is limited: a tier, chat.postMessage's special rule, or not at all. */
export const MethodLimit = z.union([Tier, z.literal('postMessage'), z.literal('unlimited')]);
export type MethodLimit = z.infer<typeof MethodLimit>;

export const RateLimitSettings = z.object({
  /** calls per method per workspace per (scaled) minute */
  tiers: z
    .object({
      tier1: z.number().int().min(1).default(1),
      tier2: z.number().int().min(1).default(20),
      tier3: z.number().int().min(1).default(50),
      tier4: z.number().int().min(1).default(100),
    })
    .default({ tier1: 1, tier2: 20, tier3: 50, tier4: 100 }),
  /** chat.postMessage: messages per channel per (scaled) second */
  postMessagePerChannelPerSecond: z.number().int().min(1).default(1),
  /** chat.postMessage: messages per workspace per (scaled) minute */
  postMessageWorkspacePerMinute: z.number().int().min(1).default(300),
  /** overrides of the default method → limit map (see rate-limit.ts) */
  methods: z.record(z.string(), MethodLimit).default({}),
});
export type RateLimitSettings = z.infer<typeof RateLimitSettings>;

export const FakeSlackOptions = z.object({
  /** 0 (default): a free port */
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().default('127.0.0.1'),
  botToken: z.string().startsWith('xoxb-').default('xoxb-fake-bot-token'),
  appToken: z.string().startsWith('xapp-').default('xapp-1-fake-app-token'),
  signingSecret: z.string().min(1).default('fake-signing-secret'),
  teamId: z.string().default(FAKE_TEAM.id),
  teamName: z.string().default('Fake Workspace'),
  appId: z.string().default(FAKE_APP_ID),
  botUserId: z.string().default('U0FAKEBOT1'),
  botId: z.string().default('B0FAKEBOT1'),
  users: z.array(SeedUser).default([]),
  /** usergroup id (S…) → member user ids */
  usergroups: z.record(z.string().regex(/^S[A-Z0-9]+$/), z.array(z.string())).default({}),
  channels: z.array(SeedChannel).default([]),
  /** false: no rate limits; true/absent: Slack's defaults; an object: defaults, overridden */
  rateLimits: z.union([z.boolean(), RateLimitSettings.partial()]).default(true),
  /** 10 makes a rate-limit "minute" last 6 s (and a "second" 100 ms); Retry-After scales too, min 1 */
  timeScale: z.number().positive().default(1),
  /** shares of API calls answered 429 / 5xx at random (drawn from `seed`) */
  random429Share: Share.default(0),
  random5xxShare: Share.default(0),
  seed: z.number().int().default(1),
  /** how long a trigger_id can be exchanged (Slack: 3 s); not scaled by timeScale */
  triggerTtlMs: z.number().int().min(1).default(3000),
  /** response_url lifetime and uses (Slack: 30 minutes, 5 uses); not scaled by timeScale */
  responseUrlTtlMs: z
    .number()
    .int()
    .min(1)
    .default(30 * 60_000),
  responseUrlMaxUses: z.number().int().min(1).default(5),
  /** how long socket.push waits for the app's ack (Slack: 3 s) */
  socketAckTimeoutMs: z.number().int().min(1).default(3000),
  /** interval of the server's WebSocket pings; 0 disables them */
  socketPingIntervalMs: z.number().int().min(0).default(10_000),
  /** the call log keeps at most this many calls (oldest dropped first) */
  callLogLimit: z.number().int().min(1).default(100_000),
  /** limits enforced like Slack's: 50 blocks a message, 100 a view, ~13k chars of blocks, 40k text */
  maxMessageBlocks: z.number().int().min(1).default(50),
  maxViewBlocks: z.number().int().min(1).default(100),
  maxBlocksChars: z.number().int().min(1).default(13_000),
  maxTextChars: z.number().int().min(1).default(40_000),
});
export type FakeSlackOptionsInput = z.input<typeof FakeSlackOptions>;
export type FakeSlackSettings = z.output<typeof FakeSlackOptions>;
