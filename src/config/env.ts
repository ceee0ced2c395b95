import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';
import { parseRedisUrl, redisUrlProblem } from './redis-url.js';

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Environment variables the bot reads. The AWS SDK reads its own (credentials, AWS_ENDPOINT_URL*). */
export const Env = z.object({
  /** one node, Sentinel or Cluster: the forms are in config/redis-url.ts (and the README) */
  REDIS_URL: z
    .string()
    .superRefine((url, ctx) => {
      const problem = redisUrlProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default('redis://127.0.0.1:6379'),
  /**
   * key prefix for everything the bot keeps in Redis; lets several installations share one Redis.
   * May carry a Redis Cluster hash tag, `{imds}`: every key of the installation then shares a slot.
   */
  IMDS_BOT_PREFIX: z
    .string()
    .regex(/^[\w-]*(\{[\w-]+\})?[\w-]*$/, 'letters, digits, _ and -, with at most one {hash-tag}')
    .regex(/[\w-]/, 'not empty')
    .default('imds'),
  WORKFLOW_FILE: z.string().min(1).default('workflows/default.yaml'),
  LOG_LEVEL: LogLevel.default('info'),
  /** the hub's region for STS and Organizations calls */
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** RoleSessionName for AssumeRole: shows up in the member accounts' CloudTrail */
  IMDS_BOT_SESSION_NAME: z
    .string()
    .regex(/^[\w+=,.@-]{2,64}$/)
    .default('imds-bot'),
  /** the EC2 instance the bot runs on, if any: enforcing on it is refused when it would cut off the bot */
  IMDS_BOT_HOST_INSTANCE_ID: z
    .string()
    .regex(/^i-[0-9a-f]{8,17}$/, 'an instance id such as i-0123456789abcdef0')
    .optional(),
  /** the one-shot CLI's private Redis keeps its data under $XDG_STATE_HOME/imds-bot */
  XDG_STATE_HOME: z.string().optional(),
  /** the bot runs in a container on that host (it then needs hop limit 2) */
  IMDS_BOT_IN_CONTAINER: z.enum(['true', 'false']).default('false'),
  /** `serve` and `worker` serve /metrics, /healthz and /readyz here (0: any free port) */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
});
export type Env = z.infer<typeof Env>;

export interface Config {
  redisUrl: string;
  /** REDIS_URL was given (not the default): the CLI then never starts a private Redis */
  redisUrlSet: boolean;
  /** where the one-shot CLI's private Redis keeps its data */
  stateDir: string;
  prefix: string;
  workflowFile: string;
  logLevel: z.infer<typeof LogLevel>;
  hubRegion: string;
  sessionName: string;
  botHost: { instanceId: string; inContainer: boolean } | null;
  metricsPort: number;
}

/**
 * On a Redis Cluster the prefix must be a hash tag (the stores' scripts and transactions, and
 * BullMQ's, touch several keys at once): `imds` is used as `{imds}`; a prefix with a tag is kept.
 */
function prefixFor(prefix: string, url: string): string {
  if (parseRedisUrl(url).kind !== 'cluster' || /\{[\w-]+\}/.test(prefix)) return prefix;
  return `{${prefix}}`;
}

/** Reads the environment once, in the composition root. Lists every problem at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const blankless = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = Env.safeParse(blankless);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError('Invalid environment', problems);
  }
  const e = parsed.data;
  return {
    redisUrl: e.REDIS_URL,
    redisUrlSet: blankless.REDIS_URL !== undefined,
    stateDir: join(e.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'imds-bot'),
    prefix: prefixFor(e.IMDS_BOT_PREFIX, e.REDIS_URL),
    workflowFile: e.WORKFLOW_FILE,
    logLevel: e.LOG_LEVEL,
    hubRegion: e.AWS_REGION,
    sessionName: e.IMDS_BOT_SESSION_NAME,
    botHost: e.IMDS_BOT_HOST_INSTANCE_ID
      ? { instanceId: e.IMDS_BOT_HOST_INSTANCE_ID, inContainer: e.IMDS_BOT_IN_CONTAINER === 'true' }
      : null,
    metricsPort: e.METRICS_PORT,
  };
}
