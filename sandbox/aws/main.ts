/**
 * Standalone AWS emulator over a generated fleet, for local mode and benchmarks:
 *   tsx sandbox/aws/main.ts --instances 10000 --accounts 50 --regions 17 --v1-share 0.3 \
 *     --latency-ms 20 --seed 1 --port 0 [--fault ec2:GetInstanceMetadataDefaults=html-500,...]
 * Prints one JSON line {url, hubAccountId, accounts, regions, instances} once listening;
 * stops on SIGTERM / SIGINT.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseOperationFaults } from './faults.js';
import { generateFleet, memberAccounts } from './generate.js';
import { ALL_REGIONS } from './regions.js';
import { startAwsEmulator } from './server.js';

const Args = z.object({
  instances: z.coerce.number().int().min(0).default(1000),
  accounts: z.coerce.number().int().min(1).default(5),
  /** a count (the first N regions, default ones first) or a comma-separated list */
  regions: z.string().default('2'),
  'v1-share': z.coerce.number().min(0).max(1).default(0.3),
  'latency-ms': z.coerce.number().min(0).default(0),
  'fault-rate': z.coerce.number().min(0).max(1).default(0),
  /** per-operation faults: service:Action=html-500|unsupported-operation|invalid-action|access-denied|unavailable */
  fault: z
    .string()
    .default('')
    .transform((spec, ctx) => {
      try {
        return Object.fromEntries(parseOperationFaults(spec));
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    }),
  'apply-delay-ms': z.coerce.number().min(0).default(300),
  throttle: z.enum(['on', 'off']).default('on'),
  seed: z.coerce.number().int().default(1),
  port: z.coerce.number().int().min(0).max(65_535).default(0),
  host: z.string().default('127.0.0.1'),
  'hub-account-id': z
    .string()
    .regex(/^\d{12}$/)
    .default('111111111111'),
});

const OPTIONS = Object.fromEntries(
  Object.keys(Args.shape).map((name) => [name, { type: 'string' as const }]),
);

function regionList(value: string): string[] {
  if (/^\d+$/.test(value))
    return ALL_REGIONS.slice(0, Math.max(1, Math.min(Number(value), ALL_REGIONS.length)));
  return value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
}

async function main(): Promise<void> {
  const parsed = Args.safeParse(parseArgs({ options: OPTIONS, strict: true }).values);
  if (!parsed.success) {
    process.stderr.write(
      `invalid arguments:\n${parsed.error.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`).join('\n')}\n`,
    );
    process.exit(2);
  }
  const args = parsed.data;
  const regions = regionList(args.regions);
  const fleet = generateFleet({
    seed: args.seed,
    hubAccountId: args['hub-account-id'],
    accounts: args.accounts,
    regions,
    instances: args.instances,
    v1Share: args['v1-share'],
  });
  const emulator = await startAwsEmulator({
    fleet,
    port: args.port,
    host: args.host,
    latencyMs: args['latency-ms'],
    faultRate: args['fault-rate'],
    operationFaults: args.fault,
    seed: args.seed,
    throttle: args.throttle === 'on',
    metadataApplyDelayMs: args['apply-delay-ms'],
  });
  const line = {
    url: emulator.url,
    hubAccountId: fleet.hubAccountId,
    accounts: memberAccounts(fleet),
    regions,
    instances: fleet.instanceCount(),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`aws emulator failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
