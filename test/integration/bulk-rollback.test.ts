import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { ACCOUNT, C, changeControlWorkflow, REGION, slackSeed, U } from '../support/slack-fixtures.js';
import {
  clickOnCard,
  replyTo,
  responses,
  type SlackHarness,
  startSlackHarness,
  submitModal,
  until,
} from '../support/slack-harness.js';

const DAY = 86_400_000;

describe('rolling back a bulk: one instance, or the whole bulk, each approved like any rollback', () => {
  let h: SlackHarness;
  const fleet = new Fleet({ seed: 61 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 40 * DAY) };
  const ids = Array.from(
    { length: 3 },
    (_, i) =>
      fleet.addInstance({
        ...at,
        tags: { Name: `web-${i}`, Owner: 'alice@example.com' },
        metadata: { httpPutResponseHopLimit: 1 + i },
      }).instanceId,
  );
  let bulkId = '';

  beforeAll(async () => {
    h = await startSlackHarness(fleet, changeControlWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const requests = () => h.runtime.ctx.change.requests;
  const command = (text: string, user: string) => replyTo(h, text, user, C.general);
  const idIn = (text: string) => /cr-[0-9a-f]{12}/.exec(text)?.[0] ?? '';
  const approve = (id: string, user: string) => clickOnCard(h, id, 'imds_cr_approve', user, C.security);
  const state = (id: string, want: string) =>
    until(async () => ((await requests().get(id))?.state === want ? true : undefined), `${id} ${want}`);
  const options = (id: string) => {
    const m = fleet.instance(id)?.metadata;
    return { httpTokens: m?.httpTokens, hopLimit: m?.httpPutResponseHopLimit };
  };

  it('enforces the bulk first', async () => {
    bulkId = idIn(await command(`enforce-ready ${ACCOUNT} <@${U.alice}>`, U.sec));
    await approve(bulkId, U.approver);
    await state(bulkId, 'applied');
    expect(ids.map((i) => options(i).httpTokens)).toEqual(['required', 'required', 'required']);
  });

  it('`/imds rollback <instance>` of a bulk instance files a rollback of that instance alone', async () => {
    const [first = ''] = ids;
    const text = await command(`rollback ${first} breaks the metrics agent`, U.approver);
    expect(text).toContain('Requested cr-');
    const id = idIn(text);
    expect((await requests().get(id))?.target).toEqual({
      type: 'instance',
      accountId: ACCOUNT,
      region: REGION,
      instanceId: first,
    });
    await approve(id, U.approver2);
    await state(id, 'applied');

    expect(options(first)).toEqual({ httpTokens: 'optional', hopLimit: 1 });
    expect(ids.slice(1).map((i) => options(i).httpTokens)).toEqual(['required', 'required']);
    expect((await requests().get(bulkId))?.state).toBe('applied');
    const ref = { accountId: ACCOUNT, region: REGION, resource: first };
    // marked right after the rollback itself is recorded applied
    await until(async () => ((await requests().lastApplied(ref)) === null ? true : undefined), 'unmarked');
    expect(await command(`rollback ${first} again`, U.approver)).toContain('No applied change');
  });

  it('`/imds rollback <bulk request>` rolls back every instance it still enforces, to its own before-state', async () => {
    const text = await command(`rollback ${bulkId} the whole batch broke the agents`, U.approver);
    expect(text).toContain('Requested cr-');
    const id = idIn(text);
    const cr = await requests().get(id);
    expect(cr?.target.type === 'bulk' ? [...cr.target.instanceIds].sort() : []).toEqual(ids.slice(1).sort());
    await approve(id, U.approver2);
    await state(id, 'applied');
    await state(bulkId, 'rolled-back');

    expect(ids.map(options)).toEqual([
      { httpTokens: 'optional', hopLimit: 1 },
      { httpTokens: 'optional', hopLimit: 2 },
      { httpTokens: 'optional', hopLimit: 3 },
    ]);
  });
});

describe('the rollback button of a rejection alert on an instance a bulk enforced', () => {
  let h: SlackHarness;
  const fleet = new Fleet({ seed: 62 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 40 * DAY) };
  const ids = Array.from(
    { length: 2 },
    (_, i) => fleet.addInstance({ ...at, tags: { Name: `api-${i}`, Owner: 'alice@example.com' } }).instanceId,
  );

  beforeAll(async () => {
    h = await startSlackHarness(fleet, changeControlWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const requests = () => h.runtime.ctx.change.requests;
  const state = (id: string, want: string) =>
    until(async () => ((await requests().get(id))?.state === want ? true : undefined), `${id} ${want}`);

  it('files a rollback of that instance alone, not of the whole bulk', async () => {
    const r = await h.command(`enforce-ready ${ACCOUNT} <@${U.alice}>`, U.sec, C.general);
    const bulkId =
      /cr-[0-9a-f]{12}/.exec(
        JSON.stringify(await until(() => responses(h, r.responseUrl)[0], 'reply')),
      )?.[0] ?? '';
    await h.click({
      user: { id: U.approver },
      actions: [{ action_id: 'imds_cr_approve', value: bulkId }],
      channel: { id: C.security },
      response_url: h.slack.state.newResponseUrl({ channel: C.security, user: U.approver }),
    });
    await state(bulkId, 'applied');
    const [broken = '', fine = ''] = ids;

    const job = await h.runtime.tasks.add({
      kind: 'rejections',
      items: [{ accountId: ACCOUNT, region: REGION, instanceId: broken, count: 42, lastSeen: null }],
    });
    await until(async () => ((await job.getState()) === 'completed' ? true : undefined), 'the alert');
    const alert = await until(
      () =>
        h.slack.messagesIn(C.security).find((m) => m.text.includes('rejected') && m.text.includes(broken)),
      'the approvers alert',
    );
    const button = JSON.stringify(alert.blocks).match(
      /"action_id":"imds_cr_rollback","value":"([^"]+)"/,
    )?.[1];
    expect(button).toBeDefined();
    await h.click({
      user: { id: U.approver },
      actions: [{ action_id: 'imds_cr_rollback', value: button ?? '' }],
      channel: { id: C.security },
      message: { ts: alert.ts },
      response_url: h.slack.state.newResponseUrl({ channel: C.security, user: U.approver }),
    });
    await submitModal(h, bulkId, U.approver, 'the agent on it breaks');
    const rollback = await until(
      async () =>
        (await requests().forTarget(ACCOUNT, REGION, broken, 5)).find((cr) => cr.kind === 'rollback'),
      'the rollback request',
    );
    expect(rollback.target).toEqual({
      type: 'instance',
      accountId: ACCOUNT,
      region: REGION,
      instanceId: broken,
    });
    expect(
      (await requests().forTarget(ACCOUNT, REGION, fine, 5)).filter((cr) => cr.kind === 'rollback'),
    ).toEqual([]);
  });
});
