import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/server.js';
import { type CliResult, runCli } from '../support/cli-process.js';
import { hubEnv, testEnv } from '../support/harness.js';

const ACCOUNT = '737373737373';
const REGIONS = ['eu-west-1', 'eu-north-1'];
const PROCESSES = 10;

/**
 * Ten `imds-bot scan` processes started at once on one Redis (issue 7): one of them starts the
 * scan, the nine others follow it, and AWS sees one scan. The emulator holds every
 * DescribeInstances answer until all ten have said which scan they run or follow, so no process
 * can come late to a scan that already ended, however slowly the machine starts them.
 */
describe('ten scan processes at once', () => {
  let emulator: AwsEmulator;
  let env: Record<string, string>;
  let workflowFile: string;

  beforeAll(async () => {
    const fleet = new Fleet({ seed: 73 });
    fleet.addAccount({ id: ACCOUNT, regions: REGIONS });
    for (const region of REGIONS)
      for (let n = 0; n < 3; n++) fleet.addInstance({ accountId: ACCOUNT, region });
    emulator = await startAwsEmulator({ fleet, throttle: false });
    const dir = mkdtempSync(join(tmpdir(), 'imds-ten-'));
    workflowFile = join(dir, 'ten.yaml');
    writeFileSync(
      workflowFile,
      `version: 1\nname: ten\nscope:\n  accounts:\n    - id: "${ACCOUNT}"\n      roleArn: arn:aws:iam::${ACCOUNT}:role/ImdsBotScanner\n  regions: [${REGIONS.join(', ')}]\n`,
    );
    env = {
      ...(process.env as Record<string, string>),
      ...testEnv(), // one Redis, one prefix for all ten
      ...hubEnv(emulator.url),
    };
  });
  afterAll(async () => emulator?.close());

  it('one scan runs, the nine others follow it: one set of DescribeInstances at AWS', async () => {
    const hold = emulator.holdAction('ec2:DescribeInstances');
    const announced = new Set<number>();
    let allAnnounced = () => {};
    const everyoneIn = new Promise<void>((resolve) => (allAnnounced = resolve));
    const started = /^(Scan \S+ started\.|A scan of this scope is already running \(\S+\); following it\.)$/m;
    let runs: Promise<CliResult>[] = [];
    try {
      runs = Array.from({ length: PROCESSES }, (_, i) =>
        runCli(env, ['scan', '--workflow', workflowFile, '--format', 'json'], {
          killAfterMs: 170_000,
          onStderr: (stderr) => {
            if (!started.test(stderr)) return;
            announced.add(i);
            if (announced.size === PROCESSES) allAnnounced();
          },
        }),
      );
      // a process that ends before it says anything would leave the others waiting: stop then too
      await Promise.race([everyoneIn, Promise.all(runs)]);
    } finally {
      hold.release();
    }
    const results = await Promise.all(runs);

    for (const r of results) {
      expect(r.killed, r.stderr).toBe(false);
      expect(r.code, r.stderr).toBe(0);
    }
    const lines = results.map((r) => started.exec(r.stderr)?.[0] ?? r.stderr);
    expect(lines.filter((l) => l.endsWith('started.'))).toHaveLength(1);
    expect(lines.filter((l) => l.endsWith('following it.'))).toHaveLength(PROCESSES - 1);
    const reports = results.map((r) => JSON.parse(r.stdout) as { scanId: string; summary: unknown });
    expect(new Set(reports.map((r) => r.scanId)).size).toBe(1);
    expect(new Set(reports.map((r) => JSON.stringify(r.summary)))).toEqual(
      new Set([JSON.stringify(reports[0]?.summary)]),
    );
    expect(reports[0]?.summary).toMatchObject({ instances: 6 });
    // one scan: one DescribeInstances and one account default per scope, whatever process ran
    // each scope job; credentials are cached per process (the planner and each scope's worker)
    const calls = emulator.stats().byAction;
    expect(calls['ec2:DescribeInstances']).toBe(REGIONS.length);
    expect(calls['ec2:GetInstanceMetadataDefaults']).toBe(REGIONS.length);
    expect(calls['sts:AssumeRole']).toBeLessThanOrEqual(1 + REGIONS.length);
  }, 180_000);
});
