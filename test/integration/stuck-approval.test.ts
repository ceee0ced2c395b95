import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestEnforce } from '../../src/app/change/request.js';
import { resumeStuck } from '../../src/app/change/resume.js';
import { startRedisCut } from '../support/redis-cut.js';
import { U } from '../support/slack-fixtures.js';
import { until } from '../support/slack-harness.js';
import { startWorkerRig, type WorkerRig } from '../support/worker-rig.js';

const APPROVER = { userId: U.approver, name: 'appr' };

/**
 * Seen: the worker died between moving a request to `approved` and queuing its apply job: the
 * request stayed `approved` forever with no job, no `approved` audit entry, and the retried task
 * told the approver "nothing to approve". Here a proxy in front of the worker's Redis lets exactly
 * that write through, and the worker is killed -9 at that point.
 */
describe('a worker killed between approving a request and queuing its job', () => {
  let rig: WorkerRig;
  beforeAll(async () => {
    rig = await startWorkerRig();
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
  });

  const file = async (instanceId: string, requester = { userId: U.alice, name: 'alice' }) => {
    const ctx = rig.ctx;
    const f = await rig.app.store.locate(instanceId);
    if (!f) throw new Error('not scanned');
    const r = await requestEnforce(ctx, f, requester, [], null, { channelId: null });
    if (!r.ok) throw new Error(`not filed: ${JSON.stringify(r.reason)}`);
    return r.request.id;
  };
  const auditOf = async (id: string, type: string) =>
    (await rig.audit.recent({ limit: 200 })).filter((e) => e.requestId === id && e.type === type);

  it('the retried approval task completes the unit: audit entry, job, change', async () => {
    const ctx = rig.ctx;
    const id = await file(rig.built.ids.aliceReady);
    const cut = await startRedisCut(rig.env.REDIS_URL ?? '', /"state":"approved"/);
    const responseUrl = rig.slack.state.newResponseUrl();
    const first = rig.startWorker(cut.url);
    await rig.tasks.add({
      kind: 'cr-decision',
      action: 'approve',
      requestId: id,
      user: { id: U.approver, name: 'appr' },
      channelId: null,
      responseUrl,
    });
    await cut.cut;
    await rig.kill(first);
    await cut.close();

    expect((await ctx.requests.get(id))?.state).toBe('approved');
    expect(await auditOf(id, 'approved')).toEqual([]);
    expect(await ctx.jobs.jobState(`apply-${id}`)).toBe('missing');

    rig.startWorker(); // the restart: BullMQ hands the stalled approval task to it
    await until(
      async () => ((await ctx.requests.get(id))?.state === 'applied' ? true : undefined),
      'the approval completed and applied',
      150_000,
    );
    // the approver hears where the request is, not "nothing to approve"
    const replies = await until(
      () => rig.slack.state.responseUses(responseUrl).map((u) => (u.body as { text?: string }).text)[0],
      'the reply to the approver',
      30_000,
    );
    expect(replies).toMatch(
      new RegExp(`^Approved ${id}: (applying now|it is (approved|applying|applied) now)\\.$`),
    );
    expect((await auditOf(id, 'approved')).map((e) => e.actor)).toEqual([APPROVER]);
    expect(await auditOf(id, 'applied')).toHaveLength(1);
    expect(rig.built.fleet.instance(rig.built.ids.aliceReady)?.metadata.httpTokens).toBe('required');
    expect((await rig.audit.verify()).ok).toBe(true);
  }, 240_000);

  it('the sweeper resumes an approved request whose task is gone', async () => {
    const ctx = rig.ctx;
    const id = await file(rig.built.ids.carol, { userId: U.carol, name: 'carol' });
    // what the crash leaves when the approval task itself is lost: approved, nothing else
    await ctx.requests.apply(id, { type: 'approve', by: APPROVER }, ctx.now());
    expect(await resumeStuck(ctx)).toBe(0); // within the grace period a live approval may still finish

    const later = { ...ctx, now: () => new Date(Date.now() + 120_000) };
    expect(await resumeStuck(later)).toBe(1);
    await until(
      async () => ((await ctx.requests.get(id))?.state === 'applied' ? true : undefined),
      'the resumed request applied',
      60_000,
    );
    expect((await auditOf(id, 'approved')).map((e) => e.actor)).toEqual([APPROVER]);
    expect(await resumeStuck(later)).toBe(0);
  }, 120_000);
});
