import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type AwsEmulator, type AwsEmulatorOptions, startAwsEmulator } from '../../sandbox/aws/server.js';
import { silentLogger } from '../../src/adapters/log.js';
import { Workflow } from '../../src/config/workflow-schema.js';
import type { ScanFilter } from '../../src/domain/findings/scan.js';
import { type App, createApp } from '../../src/main.js';
import { buildReport } from '../../src/report/report.js';

/** A workflow for tests: the given scope, defaults for the rest. */
export function makeWorkflow(scope: Record<string, unknown>, rest: Record<string, unknown> = {}): Workflow {
  return Workflow.parse({ version: 1, name: `test-${randomBytes(3).toString('hex')}`, scope, ...rest });
}

/**
 * The SDK reads AWS_ENDPOINT_URL and credentials from the environment, as in production; each
 * test file runs in its own process (vitest forks), so setting them here touches nothing else.
 */
export function pointSdkAt(url: string): void {
  Object.assign(process.env, hubEnv(url));
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.AWS_PROFILE;
}

/** The environment that points a bot process's SDK at the emulator `url` as the hub account. */
export const hubEnv = (url: string) => ({
  AWS_ENDPOINT_URL: url,
  AWS_ACCESS_KEY_ID: 'TESTKEY-HUBTESTKEY000001',
  AWS_SECRET_ACCESS_KEY: 'hub-secret',
});

export const testEnv = (): Record<string, string> => ({
  REDIS_URL: inject('redisUrl'),
  IMDS_BOT_PREFIX: `t${randomBytes(4).toString('hex')}`,
  AWS_REGION: 'us-east-1',
  LOG_LEVEL: 'silent',
  // every worker process of a test on a free port of its own
  METRICS_PORT: '0',
});

export interface Harness {
  emulator: AwsEmulator;
  app: App;
  scan(filter?: ScanFilter): Promise<ReturnType<typeof buildReport>>;
  close(): Promise<void>;
}

/** The real app (real SDK clients, real Redis, real BullMQ workers) against the emulator. */
export async function startHarness(
  opts: AwsEmulatorOptions,
  workflow: Workflow,
  env: Record<string, string> = testEnv(),
): Promise<Harness> {
  const emulator = await startAwsEmulator(opts);
  pointSdkAt(emulator.url);
  const app = await createApp({ env, workflow, log: silentLogger() });
  app.startWorkers();
  return {
    emulator,
    app,
    async scan(filter) {
      const { scanId } = await app.requestScan({ kind: 'cli', by: 'test' }, filter);
      const outcome = await app.waitForScan(scanId);
      return buildReport(outcome, await app.store.getSnapshots(outcome.scopes));
    },
    async close() {
      await app.close();
      await emulator.close();
    },
  };
}
