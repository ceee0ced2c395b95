import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCallbackPayload } from '../../sandbox/slack/payloads.js';
import { slashCommandBody } from '../../sandbox/slack/signing.js';
import type { AuditEntry } from '../../src/domain/change/audit-chain.js';
import { C, SECURITY_GROUP, slackFleet, slackSeed, slackWorkflow, U } from '../support/slack-fixtures.js';
import {
  clickOnCard,
  responses,
  type SlackHarness,
  startSlackHarness,
  until,
} from '../support/slack-harness.js';

const APPROVER_GROUP = 'S0APPR001';
const PAY_GROUP = 'S0PAY0001';
const dave = 'U0DAVE001'; // in the payments team's user group
const erin = 'U0ERIN001'; // security, through the security group
const sec2 = 'U0SEC0002'; // security, listed by id
const EVIL = { id: 'T0EVIL0001', domain: 'evil' };

const seed = () => {
  const base = slackSeed();
  return {
    ...base,
    users: [
      ...base.users,
      { id: dave, name: 'dave', real_name: 'Dave D', email: 'dave@example.com' },
      { id: erin, name: 'erin', real_name: 'Erin E', email: 'erin@example.com' },
      { id: sec2, name: 'sec2', real_name: 'Sec Two', email: 'sec2@example.com' },
    ],
    usergroups: { [SECURITY_GROUP]: [U.sec, erin], [APPROVER_GROUP]: [U.approver], [PAY_GROUP]: [dave] },
  };
};

const workflow = () =>
  slackWorkflow({
    slack: {
      securityChannel: C.security,
      teams: { payments: { channel: C.payments, members: [U.carol], usergroup: PAY_GROUP } },
    },
    approvals: {
      approvers: { users: [U.approver2], groups: [APPROVER_GROUP] },
      security: { users: [sec2], groups: [SECURITY_GROUP] },
      requireTwoApproversForProd: false,
    },
  });

/** Identity from Slack is checked, not assumed. */
describe('who is asking, checked against Slack', () => {
  let h: SlackHarness;
  const built = slackFleet();

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, workflow(), seed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const command = async (text: string, user: string, channel: string = C.general) => {
    const r = await h.command(text, user, channel);
    return JSON.stringify(await until(() => responses(h, r.responseUrl)[0], `response to ${text}`));
  };
  const requestIdIn = (text: string) => /cr-[0-9a-f]{12}/.exec(text)?.[0] ?? '';
  const card = (id: string) =>
    until(
      () => h.slack.messagesIn(C.security).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id)),
      `card of ${id}`,
    );
  const approve = async (id: string, user: string) => {
    const url = await clickOnCard(h, id, 'imds_cr_approve', user, C.security);
    return JSON.stringify(await until(() => responses(h, url)[0], 'the reply'));
  };
  const refused = async (code: string): Promise<AuditEntry[]> =>
    (await h.runtime.ctx.audit.recent({ limit: 200 })).filter(
      (e) => e.type === 'refused' && e.reason?.includes(`(${code})`),
    );
  const lanes = () => [h.runtime.tasks.queue, h.runtime.tasks.interactive];
  const counts = async (...states: ('completed' | 'waiting' | 'active' | 'delayed' | 'prioritized')[]) => {
    const all = await Promise.all(lanes().map((q) => q.getJobCounts(...states)));
    return all.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
  };
  const settled = async () =>
    until(
      async () => (await counts('waiting', 'active', 'delayed', 'prioritized')) === 0,
      'the task queues to drain',
    );

  it('refuses requests signed with the app secret that name another workspace, and audits them', async () => {
    const before = await counts('completed', 'waiting', 'active');
    const cmd = await h.send(
      slashCommandBody({
        text: 'scan',
        user_id: U.sec,
        channel_id: C.security,
        team_id: EVIL.id,
        team_domain: EVIL.domain,
        response_url: h.slack.state.newResponseUrl({ channel: C.security, user: U.sec }),
        trigger_id: h.slack.state.newTriggerId(),
      }),
    );
    expect(cmd.status).toBe(200);
    expect(cmd.text).toContain('does not serve your workspace');
    const id = requestIdIn(await command(`enforce ${built.ids.aliceReady}`, U.alice));
    const c = await card(id);
    const click = await h.click({
      user: { id: U.approver2, team_id: EVIL.id },
      team: EVIL,
      actions: [{ action_id: 'imds_cr_approve', value: id }],
      channel: { id: C.security },
      message: { ts: c.ts },
      response_url: h.slack.state.newResponseUrl({ channel: C.security, user: U.approver2 }),
    });
    expect(click.status).toBe(200);
    const home = eventCallbackPayload(
      { type: 'app_home_opened', user: U.alice, tab: 'home' },
      { team_id: EVIL.id },
    );
    expect((await h.send(JSON.stringify(home))).status).toBe(200);
    await settled();
    expect((await counts('completed', 'waiting', 'active')) - before).toBe(1); // only alice's own enforce ran
    expect((await h.runtime.ctx.change.requests.get(id))?.state).toBe('requested');
    const audited = await refused('foreign-workspace');
    expect(audited.map((e) => ('userId' in e.actor ? e.actor.userId : '')).sort()).toEqual(
      [U.alice, U.approver2, U.sec].sort(),
    );
    expect(audited.every((e) => e.target.resource === 'team:T0EVIL0001')).toBe(true);
  });

  it('refuses a listed approver or security user who is deactivated in Slack, and audits it', async () => {
    const id = requestIdIn(await command(`enforce ${built.ids.carol}`, U.carol));
    expect(id).not.toBe('');
    h.slack.state.addUser({ id: U.approver2, name: 'appr2', real_name: 'Ap Prover Two', deleted: true });
    expect(await approve(id, U.approver2)).toContain('deactivated');
    expect((await h.runtime.ctx.change.requests.get(id))?.state).toBe('requested');
    h.slack.state.addUser({ id: sec2, name: 'sec2', real_name: 'Sec Two', deleted: true });
    expect(await command('owners', sec2)).toContain('deactivated');
    const audited = await refused('deactivated');
    expect(audited.map((e) => [('userId' in e.actor && e.actor.userId) || '', e.target.resource])).toEqual(
      expect.arrayContaining([
        [U.approver2, built.ids.carol],
        [sec2, '/imds owners'],
      ]),
    );
  });

  it('a removal from the approvers group holds at the moment of an approval, cache or not', async () => {
    const id = requestIdIn(await command(`enforce ${built.ids.nobody}`, U.sec));
    expect(await command('audit', U.approver)).toContain('audit'); // membership now cached as approver
    h.slack.state.setUsergroup(APPROVER_GROUP, []);
    expect(await approve(id, U.approver)).toMatch(/Only approvers/);
    expect((await h.runtime.ctx.change.requests.get(id))?.state).toBe('requested');
    expect((await refused('not-approver')).some((e) => e.requestId === id)).toBe(true);
  });

  it('a removal from the security group takes effect when Slack says the group changed', async () => {
    expect(await command('owners', erin)).toContain('(DM)');
    h.slack.state.setUsergroup(SECURITY_GROUP, [U.sec]);
    const changed = await h.event({
      type: 'subteam_members_changed',
      subteam_id: SECURITY_GROUP,
      team_id: h.slack.teamId,
      removed_users: [erin],
      removed_users_count: '1',
    });
    expect(changed.status).toBe(200);
    expect(await command('owners', erin)).toContain('is for security');
    h.slack.state.setUsergroup(SECURITY_GROUP, [U.sec, erin]);
    await h.event({ type: 'subteam_updated', subteam: { id: SECURITY_GROUP, users: [U.sec, erin] } });
    expect(await command('owners', erin)).toContain('(DM)');
  });

  it("lets only a team's configured members and user group snooze or acknowledge its instances", async () => {
    const job = await h.runtime.tasks.add({
      kind: 'digest',
      trigger: { kind: 'cli', by: 'test' },
      onlyRegressions: false,
    });
    await until(async () => (await job.getState()) === 'completed', 'digest planned');
    const teamCard = await until(
      () => h.slack.messagesIn(C.payments).find((m) => JSON.stringify(m.blocks).includes('imds_ack_')),
      'the payments digest',
    );
    const ref = /"action_id":"imds_ack_0"[^}]*"value":"([^"]+)"/.exec(JSON.stringify(teamCard.blocks))?.[1];
    const ack = async (user: string) => {
      const url = h.slack.state.newResponseUrl({ channel: C.payments, user });
      await h.click({
        user: { id: user },
        actions: [{ action_id: 'imds_ack_0', value: ref ?? '' }],
        channel: { id: C.payments },
        message: { ts: teamCard.ts },
        response_url: url,
      });
      return JSON.stringify(await until(() => responses(h, url)[0], 'the ack reply'));
    };
    expect(await ack(U.mallory)).toMatch(
      /Only the owner .*team payments: <@U0CAROL01>, <!subteam\^S0PAY0001>/,
    );
    expect(await ack(U.carol)).toContain('Acknowledged');
    expect(await ack(dave)).toContain('Acknowledged');
    expect(
      await command(`snooze ${built.ids.payments} 3d waiting for the vendor`, U.mallory, C.payments),
    ).toContain('Only the owner');
    expect(
      await command(`snooze ${built.ids.payments} 3d waiting for the vendor`, U.carol, C.payments),
    ).toContain('Snoozed');
  });
});
