/**
 * Standalone fake Slack over a generated workspace, for local mode and benchmarks:
 *   tsx sandbox/slack/main.ts --port 0 --users 2000 --seed 1 [--time-scale 10] [--rate-limits off]
 *     [--random-429-share 0.01] [--random-5xx-share 0.01]
 * Prints one JSON line { url, baseUrl, botToken, appToken, signingSecret, teamId, appId, botUserId,
 * users, teamUsergroups, teamChannels } once listening; stops on SIGTERM / SIGINT.
 * Controls for other processes: /__fake/… (see admin.ts).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { generateWorkspace } from './generate.js';
import { startFakeSlack } from './server.js';

const Args = z.object({
  users: z.coerce.number().int().min(0).max(1_000_000).default(2000),
  seed: z.coerce.number().int().default(1),
  port: z.coerce.number().int().min(0).max(65_535).default(0),
  host: z.string().default('127.0.0.1'),
  'time-scale': z.coerce.number().positive().default(1),
  'rate-limits': z.enum(['on', 'off']).default('on'),
  'postmessage-workspace-per-minute': z.coerce.number().int().min(1).default(300),
  'random-429-share': z.coerce.number().min(0).max(1).default(0),
  'random-5xx-share': z.coerce.number().min(0).max(1).default(0),
  'socket-ack-timeout-ms': z.coerce.number().int().min(1).default(3000),
});

const OPTIONS = Object.fromEntries(
  Object.keys(Args.shape).map((name) => [name, { type: 'string' as const }]),
);

function parseCli(): z.infer<typeof Args> {
  const parsed = Args.safeParse(parseArgs({ options: OPTIONS, strict: true }).values);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`);
  process.stderr.write(`invalid arguments:\n${lines.join('\n')}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = parseCli();
  const workspace = generateWorkspace({ users: args.users, seed: args.seed });
  const fake = await startFakeSlack({
    port: args.port,
    host: args.host,
    seed: args.seed,
    users: workspace.users,
    usergroups: workspace.usergroups,
    channels: workspace.channels,
    timeScale: args['time-scale'],
    rateLimits: args['rate-limits'] === 'on' && {
      postMessageWorkspacePerMinute: args['postmessage-workspace-per-minute'],
    },
    random429Share: args['random-429-share'],
    random5xxShare: args['random-5xx-share'],
    socketAckTimeoutMs: args['socket-ack-timeout-ms'],
  });
  const { url, baseUrl, botToken, appToken, signingSecret, teamId, appId, botUserId } = fake;
  const { teamUsergroups, teamChannels } = workspace;
  const line = {
    url,
    baseUrl,
    botToken,
    appToken,
    signingSecret,
    teamId,
    appId,
    botUserId,
    users: args.users,
    teamUsergroups,
    teamChannels,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  const stop = (): void => {
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake slack failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
