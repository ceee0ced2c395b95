import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDue } from '../../src/app/change/decide.js';
import {
  ACCOUNT,
  C,
  changeControlWorkflow,
  REGION,
  slackFleet,
  slackSeed,
  U,
} from '../support/slack-fixtures.js';
import {
  responses,
  type SlackHarness,
  startSlackHarness,
  submitModal,
  until,
} from '../support/slack-harness.js';

describe('change control through Slack: request, approve, apply, verify, audit, roll back', () => {
  let h: SlackHarness;
  const built = slackFleet();
  const lt = built.fleet.addLaunchTemplate({
    accountId: ACCOUNT,
    region: REGION,
    name: 'web',
    versions: [{ metadataOptions: { httpTokens: 'optional' } }],
  });
  built.fleet.setAccountDefault(ACCOUNT, REGION, {
    httpTokens: 'optional',
    managedBy: 'declarative-policy',
    managedExceptionMessage: 'org policy p-123',
  });

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, changeControlWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  /** Runs a command and returns the text of its n-th response. */
  const command = async (text: string, user: string, n = 1) => {
    const r = await h.command(text, user, C.general);
    return JSON.stringify(await until(() => responses(h, r.responseUrl)[n - 1], `response to ${text}`));
  };
  const requestIdIn = (text: string) => /cr-[0-9a-f]{12}/.exec(text)?.[0] ?? '';
  const card = (id: string) =>
    until(
      () => h.slack.messagesIn(C.security).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id)),
      `card of ${id}`,
    );
  const click = async (action: 'approve' | 'deny' | 'rollback', id: string, user: string) => {
    const c = await card(id);
    const url = h.slack.state.newResponseUrl({ channel: C.security, user });
    await h.click({
      user: { id: user },
      actions: [{ action_id: `imds_cr_${action}`, value: id }],
      channel: { id: C.security },
      message: { ts: c.ts },
      response_url: url,
    });
    return url;
  };
  const reply = async (url: string) => JSON.stringify(await until(() => responses(h, url)[0], 'the reply'));
  const state = async (id: string, want: string) =>
    until(
      async () => ((await h.runtime.ctx.change.requests.get(id))?.state === want ? true : undefined),
      `${id} ${want}`,
    );
  const modifyCalls = () => h.emulator.stats().byAction['ec2:ModifyInstanceMetadataOptions'] ?? 0;

  it('owner requests, an approver approves: required, verified, audited, the card updated in place', async () => {
    const id = requestIdIn(await command(`enforce ${built.ids.aliceReady} agent upgraded`, U.alice));
    expect(id).not.toBe('');
    expect(await reply(await click('approve', id, U.approver))).toContain('applying now');
    await state(id, 'applied');
    expect(built.fleet.instance(built.ids.aliceReady)?.metadata.httpTokens).toBe('required');
    const cr = await h.runtime.ctx.change.requests.get(id);
    expect(cr?.before).toMatchObject({ httpTokens: 'optional', hopLimit: 1, httpEndpoint: 'enabled' });
    expect(cr?.after).toMatchObject({ httpTokens: 'required', hopLimit: 1 });
    expect(cr?.awsRequestId).toBeTruthy();
    const types = (await h.runtime.ctx.audit.recent({ limit: 50, instanceId: built.ids.aliceReady }))
      .map((e) => e.type)
      .reverse();
    expect(types).toEqual(['requested', 'approved', 'applying', 'applied', 'verified']);
    // updates of one card may be delivered by several workers: it must still end on the newest state
    const c = await until(async () => {
      const now = await card(id);
      return JSON.stringify(now.blocks).includes('Applied and verified') ? now : undefined;
    }, 'the card showing the applied state');
    expect(c.edits).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500)); // let any older update arrive: it must not win
    expect(JSON.stringify((await card(id)).blocks)).toContain('Applied and verified');
    expect(JSON.stringify(c.blocks)).not.toContain('imds_cr_approve');
    expect((await h.runtime.ctx.audit.verify()).ok).toBe(true);
  });

  it('watches MetadataNoTokenRejected after an enforcement: owner and approvers hear, with a rollback button', async () => {
    built.fleet.setUsage(built.ids.aliceReady, { kind: 'steady', callsPerHour: 360_000 }); // a forgotten agent still speaks IMDSv1
    const { scanId } = await h.app.requestScan({ kind: 'cli', by: 'test' });
    const outcome = await h.app.waitForScan(scanId);
    expect(outcome.rejections).toEqual([
      expect.objectContaining({ instanceId: built.ids.aliceReady, count: expect.any(Number) }),
    ]);
    expect(h.emulator.stats().byAction['monitoring:GetMetricData']).toBeGreaterThan(0);
    const job = await h.runtime.tasks.add({ kind: 'rejections', items: outcome.rejections });
    await until(async () => ((await job.getState()) === 'completed' ? true : undefined), 'the alert');
    const alert = await until(
      () =>
        h.slack
          .messagesIn(C.security)
          .find((m) => m.text.includes('rejected') && m.text.includes(built.ids.aliceReady)),
      'the approvers alert',
    );
    expect(JSON.stringify(alert.blocks)).toContain('imds_cr_rollback');
    await until(
      () => h.slack.messagesIn(U.alice).find((m) => m.text.includes('rejected')),
      'the owner alert',
    );
    built.fleet.setUsage(built.ids.aliceReady, { kind: 'none' });
  });

  it('refuses self-approval and non-approvers, and says who can', async () => {
    const id = requestIdIn(await command(`enforce ${built.ids.carol}`, U.approver));
    expect(await reply(await click('approve', id, U.approver))).toContain('yourself');
    expect(await reply(await click('approve', id, U.mallory))).toMatch(/Only approvers/);
    expect((await h.runtime.ctx.change.requests.get(id))?.state).toBe('requested');
  });

  it('two approvers at once, or a double click, make exactly one change', async () => {
    const id = requestIdIn(await command(`enforce ${built.ids.carol}`, U.approver));
    const before = modifyCalls();
    const urls = await Promise.all([
      click('approve', id, U.approver2),
      click('approve', id, U.approver2),
      click('approve', id, U.approver2),
    ]);
    await state(id, 'applied');
    const texts = await Promise.all(urls.map(reply));
    expect(texts.filter((t) => t.includes('applying now'))).toHaveLength(1);
    expect(modifyCalls() - before).toBe(1);
  });

  it('a prod instance still using IMDSv1 needs two approvers, each with a written override reason', async () => {
    const id = requestIdIn(await command(`enforce ${built.ids.aliceInUse}`, U.alice));
    await click('approve', id, U.approver);
    const opened = await until(
      () =>
        h.slack
          .calls('views.open')
          .filter((c) => c.ok)
          .at(-1),
      'the override modal',
    );
    const view = opened.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    const submit = (user: string, text: string) =>
      h.submit({
        user: { id: user },
        view: {
          id: 'V2',
          callback_id: view.callback_id,
          private_metadata: view.private_metadata,
          blocks: view.blocks,
          state: { values: { text: { value: { type: 'plain_text_input', value: text } } } },
        },
      });
    expect(JSON.parse((await submit(U.approver, 'short')).text)).toMatchObject({ response_action: 'errors' });
    await submit(U.approver, 'the legacy cron job was rewritten last sprint');
    await until(
      async () => ((await h.runtime.ctx.change.requests.get(id))?.approvals.length === 1 ? true : undefined),
      'the first approval',
    );
    expect((await h.runtime.ctx.change.requests.get(id))?.state).toBe('requested');
    await submit(U.approver2, 'confirmed with the payments team on the call');
    await state(id, 'applied');
    const entries = await h.runtime.ctx.audit.recent({ limit: 20, instanceId: built.ids.aliceInUse });
    expect(entries.filter((e) => e.type === 'override')).toHaveLength(2);
  });

  it('rollback restores exactly the captured before-state, approver-only, confirmed by another approver', async () => {
    const original = await h.runtime.ctx.change.requests.lastApplied({
      accountId: ACCOUNT,
      region: REGION,
      resource: built.ids.aliceReady,
    });
    if (!original) throw new Error('nothing applied');
    expect(await command(`rollback ${built.ids.aliceReady} breaks the metrics agent`, U.alice)).toContain(
      'Only approvers',
    );
    const id = requestIdIn(
      await command(`rollback ${built.ids.aliceReady} breaks the metrics agent`, U.approver),
    );
    await click('approve', id, U.approver2);
    await state(id, 'applied');
    await state(original.id, 'rolled-back');
    const m = built.fleet.instance(built.ids.aliceReady)?.metadata;
    expect({
      httpTokens: m?.httpTokens,
      hopLimit: m?.httpPutResponseHopLimit,
      httpEndpoint: m?.httpEndpoint,
    }).toEqual({
      httpTokens: original.before?.httpTokens,
      hopLimit: original.before?.hopLimit,
      httpEndpoint: original.before?.httpEndpoint,
    });
  });

  it('requests nobody decides expire, and the card says so', async () => {
    const id = requestIdIn(await command(`enforce ${built.ids.payments}`, U.sec));
    const later = new Date(Date.now() + 25 * 3600_000);
    expect(await expireDue({ ...h.runtime.ctx.change, now: () => later })).toBeGreaterThanOrEqual(1);
    expect((await h.runtime.ctx.change.requests.get(id))?.state).toBe('expired');
    expect(await reply(await click('approve', id, U.approver))).toMatch(/expired/i);
  });

  it('fixes a launch template (new default version; two approvers: it shapes every later launch) and rolls it back', async () => {
    const id = requestIdIn(await command(`fix-template ${ACCOUNT} ${REGION} ${lt.launchTemplateId}`, U.sec));
    await click('approve', id, U.approver);
    await click('approve', id, U.approver2);
    await state(id, 'applied');
    const t = built.fleet.launchTemplate(ACCOUNT, REGION, lt.launchTemplateId);
    expect(t?.defaultVersion).toBe(2);
    expect(t?.versions.get(2)?.data.metadataOptions?.httpTokens).toBe('required');
    await click('rollback', id, U.approver);
    await submitModal(h, id, U.approver, 'AMI bake pipeline broke');
    const rollback = await until(
      async () =>
        (await h.runtime.ctx.change.requests.forTarget(ACCOUNT, REGION, lt.launchTemplateId, 5)).find(
          (cr) => cr.kind === 'rollback',
        ),
      'the rollback request',
    );
    await click('approve', rollback.id, U.approver2);
    await state(rollback.id, 'applied');
    expect(built.fleet.launchTemplate(ACCOUNT, REGION, lt.launchTemplateId)?.defaultVersion).toBe(1);
    await state(id, 'rolled-back');
  });

  it('refuses an account default owned by a declarative policy, before any AWS call', async () => {
    const text = await command(`fix-default ${ACCOUNT} ${REGION}`, U.sec);
    expect(text).toContain('declarative policy');
    expect(h.emulator.stats().byAction['ec2:ModifyInstanceMetadataDefaults'] ?? 0).toBe(0);
  });
});
