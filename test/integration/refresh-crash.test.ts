import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve } from '../../src/app/change/decide.js';
import { requestRefresh } from '../../src/app/change/request-refresh.js';
import { startRedisCut } from '../support/redis-cut.js';
import { addTemplatedGroup, addWebTemplate } from '../support/refresh-fleet.js';
import { ACCOUNT, REGION, SECURITY_GROUP, U } from '../support/slack-fixtures.js';
import { until } from '../support/slack-harness.js';
import { startWorkerRig, type WorkerRig } from '../support/worker-rig.js';

const SEC = { userId: U.sec, name: 'sec' };
const APPROVER = { userId: U.approver, name: 'appr' };

/**
 * `imds-bot worker` is killed -9 after its StartInstanceRefresh succeeded and before it saved the
 * refresh's id (a proxy in front of its Redis holds back exactly that write). The retry finds the
 * group busy: it adopts the refresh it started instead of failing with `refresh-in-progress`. A
 * refresh someone else started is not adopted: the request fails, saying why. A refresh that ended
 * before the restart (a small group is replaced in minutes) is adopted too, not started again.
 */
describe('a worker killed between StartInstanceRefresh and saving the refresh id', () => {
  let rig: WorkerRig;
  beforeAll(async () => {
    rig = await startWorkerRig();
    const fleet = rig.built.fleet;
    const at = { accountId: ACCOUNT, region: REGION };
    const lt = addWebTemplate(fleet, at, { fixed: true });
    for (const name of ['crash-asg', 'busy-asg', 'quick-asg'])
      addTemplatedGroup(fleet, at, lt.launchTemplateId, name);
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
  });

  const refreshesOf = (name: string) => rig.built.fleet.refreshes.of(ACCOUNT, REGION, name);
  const auditOf = async (id: string, type: string) =>
    (await rig.audit.recent({ limit: 200 })).filter((e) => e.requestId === id && e.type === type);
  const ended = (id: string, ms: number) =>
    until(
      async () => {
        const cr = await rig.ctx.requests.get(id);
        return cr && ['applied', 'failed'].includes(cr.state) ? cr : undefined;
      },
      `${id} applied or failed`,
      ms,
    );
  async function fileRefresh(asgName: string): Promise<string> {
    const group = { accountId: ACCOUNT, region: REGION, asgName };
    const r = await requestRefresh(rig.ctx, group, SEC, [SECURITY_GROUP], { channelId: null });
    if (!r.ok) throw new Error(`not filed: ${JSON.stringify(r.reason)}`);
    return r.request.id;
  }

  /** approved; the worker is killed -9 once StartInstanceRefresh answered, before it saved the refresh id */
  async function approveAndCrashBeforeSave(id: string): Promise<void> {
    const save = new RegExp(`set\\r\\n\\$\\d+\\r\\n[^\\r]*cr-before:${id}:refresh\\r\\n`, 'i');
    const cut = await startRedisCut(rig.env.REDIS_URL ?? '', save, { before: true });
    const first = rig.startWorker(cut.url);
    expect((await approve(rig.ctx, id, APPROVER, [])).ok).toBe(true);
    await cut.cut; // StartInstanceRefresh answered; the id's save is what the crash loses
    await rig.kill(first);
    await cut.close();
  }

  it('the retry adopts the refresh it started: one refresh, the request applied, audited once', async () => {
    const id = await fileRefresh('crash-asg');
    await approveAndCrashBeforeSave(id);
    expect(refreshesOf('crash-asg').map((r) => r.status)).toEqual(['InProgress']);
    expect(await rig.ctx.memo.before(`${id}:refresh`)).toBeNull();

    const restarted = rig.startWorker(); // the restart: BullMQ hands it the stalled apply job
    const done = await ended(id, 120_000);
    expect(done.error).toBeNull();
    expect(done.state).toBe('applied');
    const [started] = refreshesOf('crash-asg');
    expect(refreshesOf('crash-asg')).toHaveLength(1);
    expect(done.after).toMatchObject({ instanceRefreshId: started?.id });
    expect(await rig.ctx.memo.before(`${id}:refresh`)).toEqual({ instanceRefreshId: started?.id });
    const applied = await auditOf(id, 'applied');
    expect(applied).toHaveLength(1);
    expect(applied[0]?.awsRequestId).toBeNull();
    expect(applied[0]?.reason).toContain('found after a restart (InProgress): this request started it');
    expect((await rig.audit.verify()).ok).toBe(true);
    await rig.kill(restarted); // the next crash must reach the worker behind the cut, not this one
  }, 240_000);

  it('the refresh it started ended before the restart: adopted, not started again; the card follows it to its end', async () => {
    const id = await fileRefresh('quick-asg');
    await approveAndCrashBeforeSave(id);
    // the whole group is replaced while no worker runs
    const fleet = rig.built.fleet;
    const group = fleet.scope(ACCOUNT, REGION)?.asgByName.get('quick-asg');
    if (!group) throw new Error('no group');
    fleet.refreshes.advance(fleet, group, Date.now() + 3_600_000);
    expect(refreshesOf('quick-asg').map((r) => r.status)).toEqual(['Successful']);

    rig.startWorker();
    const done = await ended(id, 120_000);
    expect(done.error).toBeNull();
    expect(done.state).toBe('applied');
    expect(refreshesOf('quick-asg')).toHaveLength(1);
    const [only] = refreshesOf('quick-asg');
    expect(done.after).toMatchObject({ instanceRefreshId: only?.id, status: 'Successful' });
    const applied = await auditOf(id, 'applied');
    expect(applied).toHaveLength(1);
    expect(applied[0]?.reason).toContain('found after a restart (Successful): this request started it');
    // the watch reads it once, sees it ended, and audits the end
    const finished = await until(
      async () => {
        const f = await auditOf(id, 'finished');
        return f.length > 0 ? f : undefined;
      },
      `${id} finished`,
      60_000,
    );
    expect(finished[0]?.after).toMatchObject({ instanceRefreshId: only?.id, status: 'Successful' });
    expect((await rig.audit.verify()).ok).toBe(true);
  }, 240_000);

  it('a refresh this request did not start (no desired configuration, other preferences) is not adopted: failed, saying why', async () => {
    // someone starts a refresh of the group by hand after the request is approved, with other preferences
    const id = await fileRefresh('busy-asg');
    const group = rig.built.fleet.scope(ACCOUNT, REGION)?.asgByName.get('busy-asg');
    if (!group) throw new Error('no group');
    const byHand = rig.built.fleet.refreshes.start(
      rig.built.fleet,
      group,
      {
        minHealthyPercentage: 10,
        instanceWarmup: null,
        checkpointPercentages: [],
        checkpointDelay: 0,
        skipMatching: false,
        autoRollback: false,
      },
      Date.now() + 60_000,
    );
    rig.startWorker();
    expect((await approve(rig.ctx, id, APPROVER, [])).ok).toBe(true);
    const done = await ended(id, 120_000);
    expect(done.state).toBe('failed');
    expect(done.error?.code).toBe('refresh-in-progress');
    expect(done.error?.message).toContain(`(${byHand.id})`);
    expect(done.error?.message).toContain('is not the one this request started');
    expect(done.error?.message).toContain('desired configuration');
    expect(refreshesOf('busy-asg').map((r) => r.id)).toEqual([byHand.id]);
  }, 180_000);
});
