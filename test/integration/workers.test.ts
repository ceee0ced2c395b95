import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { silentLogger } from '../../src/adapters/log.js';
import { type App, createApp } from '../../src/main.js';
import { pointSdkAt, testEnv } from '../support/harness.js';

const ACCOUNT = '999999999999';
const REGIONS = ['eu-west-1', 'eu-west-2', 'eu-west-3'];

/** `imds-bot worker` processes sharing one Redis with the test, which only enqueues. */
describe('worker processes and the schedule', () => {
  let emulator: AwsEmulator;
  let app: App;
  let env: Record<string, string>;
  let file: string;
  const workers: ChildProcess[] = [];

  const startWorker = () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', 'worker', '--workflow', file],
      {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    workers.push(child);
    return child;
  };

  beforeAll(async () => {
    const fleet = new Fleet({ seed: 21 });
    fleet.addAccount({ id: ACCOUNT, regions: REGIONS });
    for (const region of REGIONS)
      for (let n = 0; n < 20; n++) fleet.addInstance({ accountId: ACCOUNT, region });
    emulator = await startAwsEmulator({ fleet, throttle: false, latencyMs: 20 });
    pointSdkAt(emulator.url);
    env = { ...(process.env as Record<string, string>), ...testEnv() };
    file = join(mkdtempSync(join(tmpdir(), 'imds-workers-')), 'scheduled.yaml');
    const accounts = `  accounts:\n    - id: "${ACCOUNT}"\n      roleArn: arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner\n`;
    // every 2 seconds (6-field cron with seconds)
    writeFileSync(
      file,
      `version: 1\nname: scheduled\nscope:\n${accounts}  regions: [${REGIONS.join(', ')}]\nschedules:\n  scan:\n    cron: "*/2 * * * * *"\n    timezone: Europe/Berlin\n`,
    );
    app = await createApp({ env, workflowFile: file, log: silentLogger() });
  });

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await app?.close();
    await emulator?.close();
  });

  it('two workers share the scans the schedule fires; the schedule is stored once and scans never overlap', async () => {
    startWorker();
    startWorker();
    const deadline = Date.now() + 30_000;
    let scans = await app.store.recentScans(10);
    while (scans.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      scans = await app.store.recentScans(10);
    }
    expect(scans.length).toBeGreaterThanOrEqual(2);
    expect(scans[0]).toMatchObject({
      workflow: 'scheduled',
      trigger: { kind: 'schedule', by: null },
      errors: [],
    });
    expect(scans[0]?.scopes).toHaveLength(3);
    for (let i = 0; i + 1 < scans.length; i++) {
      expect(Date.parse(scans[i]?.startedAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(scans[i + 1]?.finishedAt ?? ''),
      );
    }
    const schedulers = await app.queues.trigger.getJobSchedulers();
    expect(schedulers).toHaveLength(1); // upserted by both workers, stored once
  });

  it('scan --no-workers style: a request from another process is carried out by the workers', async () => {
    const { scanId } = await app.requestScan({ kind: 'cli', by: 'ops' });
    const outcome = await app.waitForScan(scanId);
    expect(outcome.summary.instances).toBe(60);
  });

  it('a worker stops cleanly on SIGTERM', async () => {
    const w = workers[0];
    if (!w) throw new Error('no worker');
    const exited = new Promise<number | null>((resolve) => w.once('exit', (code) => resolve(code)));
    w.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
