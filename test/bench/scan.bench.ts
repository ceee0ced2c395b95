/**
 * npm run bench:scan [-- --sizes 10000,100000 --latency-ms 20 --concurrency 32 --cpu-prof DIR]
 *
 * Fleets over 50 accounts x 17 regions, 30% IMDSv1, 20 ms emulated latency per call. The
 * emulator runs in its own process; the scan is the production command (`node dist/src/cli/index.js
 * scan --format json`, built first) in a fresh process, its peak RSS and CPU time reported by a
 * preload. Prints AWS calls by action against the lower bound, wall time, peak RSS, and CPU
 * seconds (user + system) of the bot and of the emulator apart, so the cost that is ours shows.
 * CPU seconds are far steadier than wall time on a shared machine. Asserts nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { startRedisServer } from '../../sandbox/redis-server.js';
import type { Report } from '../../src/report/report.js';
import { type EmulatorLine, startEmulatorProcess } from './emulator-process.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    accounts: { type: 'string', default: '50' },
    regions: { type: 'string', default: '17' },
    'latency-ms': { type: 'string', default: '20' },
    'v1-share': { type: 'string', default: '0.3' },
    concurrency: { type: 'string', default: '32' },
    /** write a V8 CPU profile of the scanning process into this folder (node --cpu-prof) */
    'cpu-prof': { type: 'string' },
  },
});

function startEmulator(instances: number) {
  return startEmulatorProcess([
    '--instances',
    String(instances),
    '--accounts',
    values.accounts,
    '--regions',
    values.regions,
    '--v1-share',
    values['v1-share'],
    '--latency-ms',
    values['latency-ms'],
    '--seed',
    '1',
  ]);
}

/** CPU seconds (user + system) a live process has used so far, from /proc (Linux); null elsewhere. */
function cpuSecondsOf(pid: number | undefined): number | null {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return null;
  // fields after the parenthesised command name; utime and stime are the 14th and 15th, in ticks
  const fields = readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / 100 : null; // USER_HZ is 100 on Linux
}

/** Runs the command to completion; stdout goes to a file (the report can be large). */
function runScan(
  env: NodeJS.ProcessEnv,
  workflowFile: string,
  outFile: string,
): Promise<{ code: number | null; stderr: string; wallMs: number }> {
  const started = performance.now();
  const profile = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
  const args = [
    ...profile,
    '--import',
    './test/bench/peak-rss.mjs',
    'dist/src/cli/index.js',
    'scan',
    '--workflow',
    workflowFile,
    '--format',
    'json',
  ];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', openSync(outFile, 'w'), 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr, wallMs: performance.now() - started })),
  );
}

async function benchOne(size: number): Promise<void> {
  const emulator = await startEmulator(size);
  const redis = await startRedisServer();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'imds-bench-'));
    const workflowFile = join(dir, 'bench.yaml');
    const outFile = join(dir, 'report.json');
    const scope = { accounts: emulator.info.accounts, regions: emulator.info.regions };
    writeFileSync(
      workflowFile,
      stringify({ version: 1, name: 'bench', scope, scan: { concurrency: Number(values.concurrency) } }),
    );
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: emulator.info.url,
      AWS_ACCESS_KEY_ID: 'AKIABENCH0000000001',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_REGION: 'us-east-1',
      REDIS_URL: redis.url,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const emulatorBefore = cpuSecondsOf(emulator.child.pid);
    const run = await runScan(env, workflowFile, outFile);
    const emulatorAfter = cpuSecondsOf(emulator.child.pid);
    if (run.code !== 0) throw new Error(`scan exited ${run.code}:\n${run.stderr}`);
    const report = JSON.parse(readFileSync(outFile, 'utf8')) as Report;
    const stats = (await (await fetch(`${emulator.info.url}/__emulator/stats`)).json()) as {
      byAction: Record<string, number>;
      throttled: number;
    };
    const peak = /peak-rss-mb: (\d+)/.exec(run.stderr)?.[1] ?? '?';
    const cpu = /cpu-user-s: ([\d.]+) cpu-sys-s: ([\d.]+)/.exec(run.stderr);
    print(size, report, stats, emulator.info, {
      wallMs: run.wallMs,
      peak,
      bytes: readFileSync(outFile).length,
      botCpu: cpu ? { user: Number(cpu[1]), sys: Number(cpu[2]) } : null,
      emulatorCpu: emulatorBefore !== null && emulatorAfter !== null ? emulatorAfter - emulatorBefore : null,
    });
  } finally {
    emulator.child.kill('SIGTERM');
    await redis.stop();
  }
}

function lowerBound(report: Report, accounts: number) {
  const perScope = new Map<string, { instances: number; queried: number }>();
  for (const f of report.findings) {
    const s = perScope.get(`${f.accountId}:${f.region}`) ?? { instances: 0, queried: 0 };
    s.instances += 1;
    if (f.usage !== null) s.queried += 1; // usage is read exactly for the instances that allow IMDSv1
    perScope.set(`${f.accountId}:${f.region}`, s);
  }
  const scopes = report.summary.scopes.scanned;
  const counted = [...perScope.values()];
  return {
    // a scope with no instances still costs one DescribeInstances
    'ec2:DescribeInstances':
      counted.reduce((n, s) => n + Math.ceil(s.instances / 1000), 0) + (scopes - counted.length),
    'monitoring:GetMetricData': counted.reduce((n, s) => n + Math.ceil(s.queried / 500), 0),
    'sts:AssumeRole': accounts,
  };
}

function print(
  size: number,
  report: Report,
  stats: { byAction: Record<string, number>; throttled: number },
  info: EmulatorLine,
  m: {
    wallMs: number;
    peak: string;
    bytes: number;
    botCpu: { user: number; sys: number } | null;
    emulatorCpu: number | null;
  },
): void {
  const bound = lowerBound(report, info.accounts.length);
  const s = report.summary;
  console.log(
    `\n=== ${size.toLocaleString('en')} instances, ${info.accounts.length} accounts x ${info.regions.length} regions (${s.scopes.scanned} scopes), ${values['latency-ms']} ms latency, concurrency ${values.concurrency} ===`,
  );
  console.log('calls by action                         actual  lower bound');
  for (const [action, b] of Object.entries(bound))
    console.log(
      `  ${action.padEnd(36)} ${String(stats.byAction[action] ?? 0).padStart(6)}  ${String(b).padStart(6)}`,
    );
  console.log('prevention calls (counted separately):');
  for (const [action, n] of Object.entries(stats.byAction)
    .filter(([a]) => !(a in bound))
    .sort())
    console.log(`  ${action.padEnd(36)} ${String(n).padStart(6)}`);
  console.log(`throttled answers ${stats.throttled}; scope errors ${report.errors.length}`);
  console.log(
    `instances ${s.instances}, laggards ${s.laggards} (ready ${s.byReadiness.ready}, in use ${s.byReadiness['in-use']}, unknown ${s.byReadiness.unknown}), ${s.percentCompliant}% compliant`,
  );
  console.log(
    `wall time ${(m.wallMs / 1000).toFixed(1)} s (process start to exit, JSON report of ${(m.bytes / 1e6).toFixed(0)} MB included)`,
  );
  console.log(`peak RSS of the scanning process ${m.peak} MB`);
  const per1k = (cpuS: number) => (s.instances > 0 ? ((cpuS * 1000) / s.instances).toFixed(3) : '-');
  if (m.botCpu) {
    const total = m.botCpu.user + m.botCpu.sys;
    console.log(
      `bot CPU ${total.toFixed(2)} s (user ${m.botCpu.user.toFixed(2)}, sys ${m.botCpu.sys.toFixed(2)}): ${per1k(total)} s per 1,000 instances`,
    );
  }
  if (m.emulatorCpu !== null)
    console.log(
      `emulator CPU during the scan ${m.emulatorCpu.toFixed(2)} s: ${per1k(m.emulatorCpu)} s per 1,000 instances`,
    );
  else console.log('emulator CPU: not measurable here (no /proc)');
}

for (const size of values.sizes.split(',').map(Number)) await benchOne(size);
