import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve } from '../../src/app/change/decide.js';
import { requestEnforce } from '../../src/app/change/request.js';
import { ACCOUNT, U } from '../support/slack-fixtures.js';
import { until } from '../support/slack-harness.js';
import { startWorkerRig, type WorkerRig } from '../support/worker-rig.js';

/**
 * `imds-bot worker` is killed (SIGKILL) while its ModifyInstanceMetadataOptions call is in flight:
 * AWS makes the change, the worker never records it. A new worker takes the stalled job over.
 */
describe('a worker killed between the AWS call and the audit write', () => {
  let rig: WorkerRig;
  // this process requests and approves; only the worker processes change production
  beforeAll(async () => {
    rig = await startWorkerRig({ latencyMs: 400 });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('ends with exactly one change, its audit entries, and the request applied', async () => {
    const { ctx, app, emulator, built } = rig;
    const f = await app.store.locate(built.ids.aliceReady);
    if (!f) throw new Error('not scanned');
    const requested = await requestEnforce(ctx, f, { userId: U.alice, name: 'alice' }, [], null, {
      channelId: null,
    });
    if (!requested.ok) throw new Error(`not filed: ${JSON.stringify(requested.reason)}`);
    const id = requested.request.id;
    const first = rig.startWorker();
    expect((await approve(ctx, id, { userId: U.approver, name: 'appr' }, [])).ok).toBe(true);

    await until(
      () => (emulator.stats().byAction['ec2:ModifyInstanceMetadataOptions'] ?? 0) >= 1 || undefined,
      'the AWS call',
      60_000,
    );
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect((await ctx.requests.get(id))?.state).toBe('applying');
    expect(
      (await rig.audit.recent({ limit: 20 })).filter((e) => e.requestId === id && e.type === 'applied'),
    ).toEqual([]);

    rig.startWorker(); // the restart
    await until(
      async () => ((await ctx.requests.get(id))?.state === 'applied' ? true : undefined),
      'recovery',
      90_000,
    );

    expect(emulator.stats().byAction['ec2:ModifyInstanceMetadataOptions']).toBe(1);
    expect(built.fleet.instance(built.ids.aliceReady)?.metadata.httpTokens).toBe('required');
    const applied = (await rig.audit.recent({ limit: 50 })).filter(
      (e) => e.requestId === id && e.type === 'applied',
    );
    expect(applied).toHaveLength(1);
    expect(applied[0]?.before).toMatchObject({ httpTokens: 'optional' });
    expect(applied[0]?.after).toMatchObject({ httpTokens: 'required' });
    // this request made the change: it says so, and that the AWS request id was lost with the worker
    expect(applied[0]?.reason).toBe(
      'applied (confirmed after restart; AWS request id unknown): HttpTokens optional → required',
    );
    expect(applied[0]?.awsRequestId).toBeNull();
    const done = await ctx.requests.get(id);
    expect(
      await ctx.requests.lastApplied({ accountId: ACCOUNT, region: f.region, resource: f.instanceId }),
    ).toMatchObject({ id, state: 'applied' }); // so `/imds rollback` finds it
    expect(done?.history.at(-1)?.to).toBe('applied');
    expect((await ctx.requests.get(id))?.before).toMatchObject({ httpTokens: 'optional' });
    expect((await rig.audit.verify()).ok).toBe(true);
  }, 180_000);

  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
        env: rig.env,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });

  it('imds-bot audit verify proves the chain; export streams it for a SIEM; tampering is found', async () => {
    const ok = await cli('audit', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/audit chain unbroken: \d+ entries/);
    const jsonl = await cli('audit', 'export', '--format', 'jsonl');
    const lines = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; type: string });
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.map((l) => l.type)).toContain('applied');
    const csv = await cli('audit', 'export', '--format', 'csv', '--since', '2000-01-01');
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^seq,/);
    expect((await cli('audit', 'export', '--format', 'xml')).code).toBe(2);

    const key = `${rig.env.IMDS_BOT_PREFIX}:audit`;
    // rewrite the newest entry (a stream id cannot be reused, so: delete it and add the forgery)
    const [[id, fields]] = (await rig.app.redis.xrevrange(key, '+', '-', 'COUNT', 1)) as [[string, string[]]];
    const entry = JSON.parse(fields[1] ?? '{}') as { seq: number; reason: string | null };
    await rig.app.redis.xdel(key, id);
    await rig.app.redis.xadd(key, '*', 'e', JSON.stringify({ ...entry, reason: 'nothing to see here' }));
    const broken = await cli('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`BROKEN at entry #${entry.seq}`);
  }, 60_000);
});
