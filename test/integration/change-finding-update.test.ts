import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  C,
  changeControlWorkflow,
  REGION,
  slackFleet,
  slackSeed,
  U,
} from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

describe('after a change the stored finding says so at once, not at the next scan', () => {
  let h: SlackHarness;
  const built = slackFleet();
  const lt = built.fleet.addLaunchTemplate({
    accountId: ACCOUNT,
    region: REGION,
    name: 'web',
    versions: [{ metadataOptions: { httpTokens: 'optional' } }],
  });

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, changeControlWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const command = async (text: string, user: string) => {
    const r = await h.command(text, user, C.general);
    return JSON.stringify(await until(() => responses(h, r.responseUrl)[0], `reply to ${text}`));
  };
  const idIn = (text: string) => /cr-[0-9a-f]{12}/.exec(text)?.[0] ?? '';
  const approve = async (id: string, user: string) => {
    const card = await until(
      () => h.slack.messagesIn(C.security).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id)),
      `card of ${id}`,
    );
    const url = h.slack.state.newResponseUrl({ channel: C.security, user });
    await h.click({
      user: { id: user },
      actions: [{ action_id: 'imds_cr_approve', value: id }],
      channel: { id: C.security },
      message: { ts: card.ts },
      response_url: url,
    });
    return JSON.stringify(await until(() => responses(h, url)[0], 'the approval reply'));
  };
  const state = (id: string, want: string) =>
    until(
      async () => ((await h.runtime.ctx.change.requests.get(id))?.state === want ? true : undefined),
      `${id} ${want}`,
    );

  it('a second Enforce and a snooze of an instance just enforced are refused: "already requires IMDSv2 since …"', async () => {
    const id = idIn(await command(`enforce ${built.ids.aliceReady} agent upgraded`, U.alice));
    await approve(id, U.approver);
    await state(id, 'applied');

    const f = await h.app.store.locate(built.ids.aliceReady);
    expect(f).toMatchObject({ httpTokens: 'required', readiness: 'compliant' });
    const again = await command(`enforce ${built.ids.aliceReady} once more`, U.alice);
    expect(again).toContain('already requires IMDSv2 since');
    expect(again).toContain(id);
    expect(again).not.toContain('Requested cr-');
    const snooze = await command(`snooze ${built.ids.aliceReady} 7d waiting for the vendor`, U.alice);
    expect(snooze).toContain('already requires IMDSv2 since');
    expect(await h.runtime.ctx.change.requests.byRequester(U.alice)).toHaveLength(1);
  });

  it('a rollback puts the finding back to accepting IMDSv1 at once', async () => {
    const text = await command(`rollback ${built.ids.aliceReady} breaks the metrics agent`, U.approver);
    const id = idIn(text);
    await approve(id, U.approver2);
    await state(id, 'applied');
    expect(await h.app.store.locate(built.ids.aliceReady)).toMatchObject({
      httpTokens: 'optional',
      readiness: 'ready',
    });
  });

  it('a scan that started before the change and commits after it does not put the old state back', async () => {
    const stale = await h.app.store.getSnapshot({ accountId: ACCOUNT, region: REGION });
    if (!stale) throw new Error('no snapshot');
    const id = idIn(await command(`enforce ${built.ids.carol} done`, U.sec));
    await approve(id, U.approver);
    await state(id, 'applied');

    await h.app.store.commitSnapshot(stale, { became: [], cleared: [] }, new Date());

    expect((await h.app.store.locate(built.ids.carol))?.httpTokens).toBe('required');
  });

  it('a launch-template fix shows in the stored template row at once', async () => {
    const id = idIn(await command(`fix-template ${ACCOUNT} ${REGION} ${lt.launchTemplateId}`, U.sec));
    await approve(id, U.approver);
    await approve(id, U.approver2);
    await state(id, 'applied');
    const snap = await h.app.store.getSnapshot({ accountId: ACCOUNT, region: REGION });
    expect(snap?.launchTemplates.find((t) => t.launchTemplateId === lt.launchTemplateId)).toMatchObject({
      defaultVersion: 2,
      httpTokens: 'required',
    });
  });
});
