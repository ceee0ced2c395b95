import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addTemplatedGroup,
  addWebTemplate,
  refreshWorkflow,
  requestIdIn,
  requestState,
} from '../support/refresh-fleet.js';
import { clickButton, commandReply, requestCardOf } from '../support/request-card.js';
import { ACCOUNT, C, REGION, slackFleet, slackSeed, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/**
 * The whole bot (Bolt's HTTP receiver with signed requests, the fake Slack, real Redis, the real SDK
 * against the emulator): a launch template is fixed, its card offers a refresh of the group that
 * launches it, the refresh is requested from that button, approved, started, and its card follows
 * it from DescribeInstanceRefreshes to Successful; the group's instances then require tokens.
 */
describe('fix the template, then roll the group', () => {
  let h: SlackHarness;
  const built = slackFleet();
  const at = { accountId: ACCOUNT, region: REGION };
  const lt = addWebTemplate(built.fleet, at);
  const members = addTemplatedGroup(built.fleet, at, lt.launchTemplateId, 'web-asg', {
    count: 3,
    tags: (i) => ({ Name: `web-${i}`, Owner: 'alice@example.com' }),
  });
  built.fleet.refreshes.stepMs = 300;

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, refreshWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const command = (text: string, user: string) => commandReply(h, text, user);
  /** the card of a request as it is now (its latest chat.update applied) */
  const card = (id: string) => requestCardOf(h, id);
  const cardText = (id: string) => JSON.stringify(card(id)?.blocks ?? []);
  const click = async (actionId: string, value: string, user: string) =>
    (await clickButton(h, value.split('#')[0] ?? value, actionId, user, value)).url;
  const state = (id: string, want: string) => requestState(h, id, want);
  const thread = (id: string) => {
    const ts = card(id)?.ts;
    return h.slack
      .messagesIn(C.security)
      .filter((m) => m.thread_ts === ts)
      .map((m) => m.text)
      .join('\n');
  };

  it('the applied fix offers the group a refresh; approved, it runs with its progress on the card, to Successful', async () => {
    const fix = requestIdIn(await command(`fix-template ${ACCOUNT} ${REGION} ${lt.launchTemplateId}`, U.sec));
    await click('imds_cr_approve', fix, U.approver);
    await click('imds_cr_approve', fix, U.approver2);
    await state(fix, 'applied');
    await until(() => cardText(fix).includes('imds_cr_refresh_0'), 'the Refresh button on the fix card');
    expect(cardText(fix)).toContain('Refresh web-asg');
    await until(() => thread(fix).includes('/imds refresh web-asg'), 'the offer in the thread');

    const url = await click('imds_cr_refresh_0', `${fix}#0`, U.sec);
    const filed = JSON.stringify(await until(() => responses(h, url)[0], 'the refresh request'));
    const refresh = requestIdIn(filed);
    expect(refresh).not.toBe(fix);
    expect(filed).toContain('Auto rollback is on');
    await until(() => card(refresh), 'the refresh card');
    expect(cardText(refresh)).toContain('instance-refresh');

    await click('imds_cr_approve', refresh, U.approver);
    const ended = await until(async () => {
      const cr = await h.runtime.ctx.change.requests.get(refresh);
      return cr && ['applied', 'failed'].includes(cr.state) ? cr : undefined;
    }, `${refresh} applied`);
    expect(ended.error).toBeNull();
    expect(ended.state).toBe('applied');
    await until(
      () => /Instance refresh .*(InProgress|Successful)/.test(cardText(refresh)),
      'progress on the card',
    );
    await until(() => cardText(refresh).includes('Successful'), 'Successful on the card', 30_000);

    const group = built.fleet.scope(ACCOUNT, REGION)?.asgByName.get('web-asg');
    const running = [...(group?.instanceIds ?? [])].map((id) => built.fleet.instance(id));
    expect(running.map((i) => i?.metadata.httpTokens)).toEqual(['required', 'required', 'required']);
    expect(running.some((i) => members.includes(i?.instanceId ?? ''))).toBe(false);
    expect(group?.launchTemplate?.version).toBe('2');
    expect(thread(refresh)).toMatch(/InProgress/);
    const audit = await h.runtime.ctx.audit.recent({ limit: 200 });
    const types = audit.filter((e) => e.requestId === refresh).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['requested', 'approved', 'applied', 'verified', 'finished']),
    );
  });

  it('a second refresh request of the same group while one is open is refused, naming the first', async () => {
    const first = requestIdIn(await command(`refresh web-asg ${ACCOUNT} ${REGION}`, U.sec));
    expect(first).not.toBe('');
    const second = await command(`refresh web-asg ${ACCOUNT} ${REGION}`, U.sec);
    expect(second).toContain(`${first}`);
    expect(second).toContain('already open');
  });

  it('refuses a group whose template still allows IMDSv1, and a stranger', async () => {
    const other = built.fleet.addLaunchTemplate({
      accountId: ACCOUNT,
      region: REGION,
      name: 'api',
      versions: [{ metadataOptions: { httpTokens: 'optional' } }],
    });
    built.fleet.addAutoScalingGroup({
      accountId: ACCOUNT,
      region: REGION,
      name: 'api-asg',
      launchTemplate: { id: other.launchTemplateId },
    });
    built.fleet.addInstance({ accountId: ACCOUNT, region: REGION, asg: 'api-asg' });
    const text = await command(`refresh api-asg ${ACCOUNT} ${REGION}`, U.sec);
    expect(text).toContain('still allows IMDSv1');
    expect(text).toContain(`/imds fix-template ${ACCOUNT} ${REGION} ${other.launchTemplateId}`);
    expect(await command(`refresh web-asg ${ACCOUNT} ${REGION}`, U.mallory)).toContain('Only security');
  });
});
