/**
 * npm run bench:local — local mode from the command to the first digest visible in the sandbox,
 * and the peak memory of the whole of it (the node process and its redis-server), figures printed.
 * Targets (issue 11): under 30 s on the 2-core machine, under 600 MB.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const started = Date.now();
const child = spawn('npx', ['tsx', '--import', './test/bench/peak-rss.mjs', 'sandbox/local/main.ts'], {
  env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  stdio: ['ignore', 'pipe', 'pipe'],
  // its own process group: Ctrl-C goes to npx, tsx and node alike, as in a terminal
  detached: true,
});
const interrupt = () => {
  if (child.pid) process.kill(-child.pid, 'SIGINT');
};
let out = '';
let err = '';
child.stdout.on('data', (d: Buffer) => {
  out += d.toString();
});
child.stderr.on('data', (d: Buffer) => {
  err += d.toString();
});

const wait = async <T>(check: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      interrupt();
      throw new Error(`timed out; stderr:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** Resident set size (MB) of a process and its descendants, from /proc. */
function treeRssMb(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const c of children ? children.split(' ') : []) visit(Number(c));
    } catch {
      // the process ended meanwhile
    }
  };
  visit(pid);
  return total;
}

let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, child.pid ? treeRssMb(child.pid) : 0);
}, 100);

const url = await wait(() => /Slack sandbox \(open it\)\s+(\S+)/.exec(out)?.[1], 120_000);
// the first digest, as the page sees it: the state API the page polls
const digestAt = await wait(async () => {
  const res = await fetch(`${url}sandbox/api/state?user=U0ALICE01`);
  const s = (await res.json()) as { messages: Record<string, unknown[]> };
  return (s.messages.D0ALICE01?.length ?? 0) > 0 ? Date.now() : undefined;
}, 60_000);
const bannerSeconds = Number(/Ready in ([\d.]+) s/.exec(out)?.[1]);
await new Promise((r) => setTimeout(r, 3000)); // a few seconds of the idle bot
clearInterval(sampler);
interrupt();
await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 15_000))]);
process.stdout.write(
  [
    `command to first digest visible: ${((digestAt - started) / 1000).toFixed(1)} s (target 30 s)`,
    `banner's own figure (node start to digests posted): ${bannerSeconds.toFixed(1)} s`,
    `peak memory, node + redis-server (sampled every 100 ms): ${Math.round(peak)} MB (target 600 MB)`,
    `node's own peak RSS: ${/peak-rss-mb: (\d+)/.exec(err)?.[1] ?? '?'} MB`,
    '',
  ].join('\n'),
);
