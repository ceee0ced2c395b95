import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/domain/change/request-schema.js';
import {
  addTemplatedGroup,
  addWebTemplate,
  refreshWorkflow,
  requestIdIn,
  requestState,
} from '../support/refresh-fleet.js';
import { clickApprove, commandReply, requestCardOf } from '../support/request-card.js';
import { ACCOUNT, C, REGION, slackFleet, slackSeed, U } from '../support/slack-fixtures.js';
import {
  clickOnCard,
  responses,
  type SlackHarness,
  startSlackHarness,
  submitModal,
  until,
} from '../support/slack-harness.js';

/**
 * The rollback path of an instance refresh, from Slack (Bolt's HTTP receiver with signed requests,
 * the fake Slack, real Redis, the real SDK against the emulator): a refresh is applied and runs
 * (held at a long checkpoint); an approver asks for its rollback (the card's button, or
 * `/imds rollback <cr-id>`), another approver approves, and Auto Scaling gets
 * RollbackInstanceRefresh (a group pinned to a numbered version) or CancelInstanceRefresh (a group
 * on `$Default`). Nobody stops a refresh alone: the one who asks cannot approve it.
 */
describe('rolling back an instance refresh from Slack', () => {
  let h: SlackHarness;
  const built = slackFleet();
  const at = { accountId: ACCOUNT, region: REGION };
  const lt = addWebTemplate(built.fleet, at, { fixed: true });
  const group = (name: string, version: string) =>
    addTemplatedGroup(built.fleet, at, lt.launchTemplateId, name, {
      version,
      tags: (i) => ({ Name: `${name}-${i}`, Owner: 'alice@example.com' }),
    });
  group('pinned-asg', '1'); // numbered: refreshed with a desired configuration, so Auto Scaling can roll back
  group('default-asg', '$Default'); // no desired configuration: only a cancel stops it
  group('ended-asg', '1'); // refreshed to its end: nothing is left to roll back
  built.fleet.refreshes.stepMs = 200;

  beforeAll(async () => {
    // the first batch is replaced, then the refresh waits at 50% for ten minutes: it is running
    h = await startSlackHarness(built.fleet, refreshWorkflow({ checkpointDelaySeconds: 600 }), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const state = (id: string, want: string, ms?: number) => requestState(h, id, want, ms);
  const calls = (action: string) => h.emulator.stats().byAction[`autoscaling:${action}`] ?? 0;
  const auditOf = async (id: string, type: string) =>
    (await h.runtime.ctx.audit.recent({ limit: 500 })).filter((e) => e.requestId === id && e.type === type);
  const reply = async (url: string) => JSON.stringify(await until(() => responses(h, url)[0], 'the reply'));
  const rollbackOf = (original: string) =>
    until(
      async () =>
        (await h.runtime.ctx.change.requests.inState('requested', 200)).find(
          (cr: ChangeRequest) => cr.rollbackOf === original,
        ),
      `the rollback request of ${original}`,
    );
  const liveRefresh = (name: string) =>
    built.fleet.refreshes.of(ACCOUNT, REGION, name).find((r) => r.status === 'InProgress');

  /** `/imds refresh <group>` by security, approved: applied, and Auto Scaling runs it */
  async function runningRefresh(name: string): Promise<string> {
    const id = requestIdIn(await commandReply(h, `refresh ${name} ${ACCOUNT} ${REGION}`, U.sec));
    expect(id).not.toBe('');
    await clickApprove(h, id, U.approver);
    await state(id, 'applied');
    await until(() => liveRefresh(name)?.statusReason?.includes('checkpoint'), `${name} at its checkpoint`);
    return id;
  }

  it("the card's Rollback button: filed by one approver, approved by another, RollbackInstanceRefresh; audited", async () => {
    const refresh = await runningRefresh('pinned-asg');
    const running = liveRefresh('pinned-asg');
    await until(
      () => JSON.stringify(requestCardOf(h, refresh)?.blocks).includes('imds_cr_rollback'),
      'the button',
    );

    await clickOnCard(h, refresh, 'imds_cr_rollback', U.approver, C.security);
    await submitModal(h, refresh, U.approver, 'the new AMI breaks the health check');
    const rollback = await rollbackOf(refresh);
    expect(rollback).toMatchObject({ kind: 'rollback', target: { type: 'asg', asgName: 'pinned-asg' } });

    // the approver who asked cannot carry it out alone
    const self = await clickApprove(h, rollback.id, U.approver);
    expect(await reply(self.url)).toContain('yourself');
    expect(calls('RollbackInstanceRefresh') + calls('CancelInstanceRefresh')).toBe(0);
    expect(liveRefresh('pinned-asg')?.id).toBe(running?.id);

    await clickApprove(h, rollback.id, U.approver2);
    await state(rollback.id, 'applied');
    await state(refresh, 'rolled-back');
    expect(calls('RollbackInstanceRefresh')).toBe(1);
    expect(calls('CancelInstanceRefresh')).toBe(0);
    const r = built.fleet.refreshes.of(ACCOUNT, REGION, 'pinned-asg').find((x) => x.id === running?.id);
    expect(r?.status).toMatch(/^Rollback/);

    const applied = await auditOf(rollback.id, 'applied');
    expect(applied).toHaveLength(1);
    expect(applied[0]?.before).toEqual({ instanceRefreshId: running?.id, status: 'InProgress' });
    expect(applied[0]?.after).toEqual({ instanceRefreshId: running?.id, action: 'rollback' });
    expect((await auditOf(rollback.id, 'approved')).map((e) => e.actor)).toMatchObject([
      { userId: U.approver2 },
    ]);
    expect((await auditOf(refresh, 'rolled-back')).map((e) => e.actor)).toMatchObject([
      { userId: U.approver2 },
    ]);
    expect((await h.runtime.ctx.audit.verify()).ok).toBe(true);
  });

  it('a refresh that ended: its card drops the Rollback button, and `/imds rollback` says why instead of filing', async () => {
    const refresh = await runningRefresh('ended-asg');
    await until(
      () => JSON.stringify(requestCardOf(h, refresh)?.blocks).includes('imds_cr_rollback'),
      'the button while it runs',
    );
    // the checkpoint's wait is over: every instance is replaced
    const g = built.fleet.scope(ACCOUNT, REGION)?.asgByName.get('ended-asg');
    if (!g) throw new Error('no group');
    built.fleet.refreshes.advance(built.fleet, g, Date.now() + 3_600_000);
    await until(() => auditOf(refresh, 'finished').then((f) => f.length > 0 || undefined), 'its end audited');
    await until(
      () => (JSON.stringify(requestCardOf(h, refresh)?.blocks).includes('Successful') ? true : undefined),
      'the card showing the end',
    );
    const card = JSON.stringify(requestCardOf(h, refresh)?.blocks);
    expect(card).not.toContain('imds_cr_rollback');
    expect(card).toContain('Successful');
    // what was applied, said as such (not a field-by-field diff of the plan against the refresh)
    expect(card).toContain('Started instance refresh `');
    expect(card).not.toContain('asgName ended-asg');

    const filed = await commandReply(h, `rollback ${refresh} too late`, U.approver2);
    expect(filed).toContain('Successful');
    expect(filed).toContain('roll back the template fix, then refresh the group again');
    expect(requestIdIn(filed.replace(refresh, ''))).toBe('');
    const open = await h.runtime.ctx.change.requests.inState('requested', 200);
    expect(open.filter((cr: ChangeRequest) => cr.rollbackOf === refresh)).toEqual([]);
  });

  it('`/imds rollback <cr-id>` of a refresh on $Default: approved by another approver, CancelInstanceRefresh; audited', async () => {
    const refresh = await runningRefresh('default-asg');
    const running = liveRefresh('default-asg');
    const before = calls('CancelInstanceRefresh');

    expect(await commandReply(h, `rollback ${refresh} pager storm`, U.sec)).toContain('Only approvers');
    const filed = await commandReply(h, `rollback ${refresh} pager storm`, U.approver2);
    const rollback = requestIdIn(filed);
    expect(rollback).not.toBe(refresh);
    expect((await h.runtime.ctx.change.requests.get(rollback))?.state).toBe('requested');
    expect(calls('CancelInstanceRefresh')).toBe(before);

    await clickApprove(h, rollback, U.approver);
    await state(rollback, 'applied');
    await state(refresh, 'rolled-back');
    expect(calls('CancelInstanceRefresh')).toBe(before + 1);
    const r = built.fleet.refreshes.of(ACCOUNT, REGION, 'default-asg').find((x) => x.id === running?.id);
    expect(r?.status).toMatch(/^Cancel/);
    const applied = await auditOf(rollback, 'applied');
    expect(applied[0]?.before).toEqual({ instanceRefreshId: running?.id, status: 'InProgress' });
    expect(applied[0]?.after).toEqual({ instanceRefreshId: running?.id, action: 'cancel' });
    expect((await auditOf(rollback, 'approved')).map((e) => e.actor)).toMatchObject([{ userId: U.approver }]);
  });
});
