import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { run } from '../src/cli/index.js';
import { DEFAULT_REGIONS, generateFleet, memberAccounts, startAwsEmulator } from './aws/index.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

/**
 * Local mode: the real bot (real SDK clients, real Redis, real BullMQ) scanning a seeded fleet
 * in the AWS emulator. Nothing here is used by the production paths.
 *   npm run scan:local -- [--instances 2000] [--accounts 3] [--regions 3] [--seed 7] [--latency-ms 0]
 *                         [--format table|json|csv] [--limit N]
 * REDIS_URL, when set, is used (and keeps history between runs); otherwise a throwaway
 * redis-server is started on a free port.
 */
const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '2000' },
    accounts: { type: 'string', default: '3' },
    regions: { type: 'string', default: '3' },
    seed: { type: 'string', default: '7' },
    'latency-ms': { type: 'string', default: '0' },
    format: { type: 'string', default: 'table' },
    limit: { type: 'string', default: '25' },
  },
  strict: true,
});

const int = (name: keyof typeof values, min: number, max: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`scan:local: --${name} must be a whole number from ${min} to ${max}\n`);
    process.exit(2);
  }
  return n;
};

const regionCount = int('regions', 1, DEFAULT_REGIONS.length);
const regions = DEFAULT_REGIONS.slice(0, regionCount);
const seed = int('seed', 0, 2 ** 31);
const fleet = generateFleet({
  seed,
  accounts: int('accounts', 1, 1000),
  regions,
  instances: int('instances', 0, 1_000_000),
});
const emulator = await startAwsEmulator({ fleet, latencyMs: int('latency-ms', 0, 10_000), seed });

let redis: RedisServer | null = null;
if (!process.env.REDIS_URL) {
  redis = await startRedisServer();
  process.env.REDIS_URL = redis.url;
}
const dir = mkdtempSync(join(tmpdir(), 'imds-local-'));
const workflowFile = join(dir, 'local.yaml');
const workflow = { version: 1, name: 'local', scope: { accounts: memberAccounts(fleet), regions } };
writeFileSync(workflowFile, stringify(workflow));

Object.assign(process.env, {
  AWS_ENDPOINT_URL: emulator.url,
  AWS_ACCESS_KEY_ID: 'TESTKEY-LOCALHUB00000001',
  AWS_SECRET_ACCESS_KEY: 'local-mode-not-a-secret',
  AWS_REGION: 'us-east-1',
  // the SDK's notice that its 2027 releases need Node 22 says nothing about local mode
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
process.stderr.write(
  `Local mode: AWS emulator at ${emulator.url} with ${fleet.instanceCount()} instances over ${workflow.scope.accounts.length} accounts x ${regions.length} regions (seed ${seed}); Redis at ${process.env.REDIS_URL}; workflow ${workflowFile}\n`,
);

const code = await run([
  'scan',
  '--workflow',
  workflowFile,
  '--format',
  values.format,
  '--limit',
  values.limit,
]);
await emulator.close();
await redis?.stop();
process.exit(code);
