import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickApprove } from '../support/request-card.js';
import {
  ACCOUNT,
  C,
  REGION,
  SECURITY_GROUP,
  slackFleet,
  slackSeed,
  slackWorkflow,
  U,
} from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/**
 * Finding the IMDSv1 caller, end to end: the whole bot (main's composition, Bolt's HTTP receiver with
 * signed requests, the workers) against the fake Slack and the AWS emulator, whose SSM answers the
 * shipped script with the report an instance that calls IMDSv1 would give.
 */

type Msg = {
  channel: string;
  ts: string;
  text: string;
  thread_ts?: string | undefined;
  blocks?: unknown[] | undefined;
};

/** The "Find the caller" button of each instance row of a digest card: instance id -> [action id, value]. */
function findCallerButtons(m: Msg): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  let instance = '';
  for (const b of (m.blocks ?? []) as {
    type: string;
    text?: { text: string };
    elements?: { action_id?: string; value?: string }[];
  }[]) {
    if (b.type === 'section') instance = /`(i-[0-9a-f]{17})`/.exec(b.text?.text ?? '')?.[1] ?? '';
    const button =
      b.type === 'actions'
        ? b.elements?.find((e) => e.action_id?.startsWith('imds_find-caller_'))
        : undefined;
    if (button?.action_id && button.value) out.set(instance, [button.action_id, button.value]);
  }
  return out;
}

const REPORT_HOSTILE = [
  'imds-v1-callers\t1',
  'status\tok',
  'window\t5',
  'requests\t4\t3',
  'caller\t4242\t3\t0\t<!channel> *x*\t/latest/meta-data/<@U0ALICE01>\tnode /srv/<script>.js',
  'end',
].join('\n');

describe('find the IMDSv1 caller: request on the in-use card, approve, the processes in its thread', () => {
  let h: SlackHarness;
  const built = slackFleet();
  const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 40 * 86_400_000) };
  const tagged = (name: string) => ({ Name: name, Owner: 'alice@example.com', ImdsBotFindCaller: 'true' });
  const legacy = built.fleet.addInstance({
    ...at,
    tags: tagged('legacy-agent'),
    usage: { kind: 'steady', callsPerHour: 3600 },
  }).instanceId;
  const hostile = built.fleet.addInstance({
    ...at,
    tags: tagged('hostile'),
    usage: { kind: 'steady', callsPerHour: 60 },
  }).instanceId;
  const unmanaged = built.fleet.addInstance({
    ...at,
    tags: tagged('no-agent'),
    usage: { kind: 'steady', callsPerHour: 60 },
  }).instanceId;
  for (const id of [legacy, hostile])
    built.fleet.ssm.manage({ instanceId: id, accountId: ACCOUNT, region: REGION });
  built.fleet.ssm.respond(hostile, () => ({
    status: 'Success',
    responseCode: 0,
    stdout: REPORT_HOSTILE,
    stderr: '',
  }));
  let card: Msg;

  const approve = async (id: string) => {
    const { card: c } = await clickApprove(h, id);
    return c;
  };
  const clickFindCaller = async (instanceId: string) => {
    const [actionId, value] = findCallerButtons(card).get(instanceId) ?? ['', ''];
    const url = h.slack.state.newResponseUrl({ channel: card.channel, user: U.alice });
    const r = await h.click({
      user: { id: U.alice },
      actions: [{ action_id: actionId, value }],
      channel: { id: card.channel },
      message: { ts: card.ts },
      response_url: url,
    });
    expect(r.status).toBe(200);
    return JSON.stringify(await until(() => responses(h, url)[0], 'the reply to Find the caller'));
  };
  const inThread = (channel: string, ts: string, needle: string) =>
    until(
      () => h.slack.messagesIn(channel).find((m) => m.thread_ts === ts && m.text.includes(needle)),
      `"${needle}" in the thread of ${ts}`,
    );

  beforeAll(async () => {
    h = await startSlackHarness(
      built.fleet,
      slackWorkflow({
        approvals: {
          approvers: { users: [U.approver, U.approver2] },
          security: { groups: [SECURITY_GROUP] },
        },
        fixes: { findCaller: { enabled: true, seconds: 5, pollSeconds: 0.1 } },
      }),
      slackSeed(),
    );
    await h.scan();
    const job = await h.runtime.tasks.add({
      kind: 'digest',
      trigger: { kind: 'cli', by: 'test' },
      onlyRegressions: false,
    });
    await until(async () => (await job.getState()) === 'completed', 'digest planned');
    card = await until(
      () => h.slack.messagesIn(U.alice).find((m) => !m.thread_ts && findCallerButtons(m).size > 0),
      "alice's digest",
    );
  });
  afterAll(async () => h?.close());

  it('in-use rows carry the button (and the fix); ready rows do not', () => {
    const rows = findCallerButtons(card);
    expect([...rows.keys()].sort()).toEqual([built.ids.aliceInUse, legacy, hostile, unmanaged].sort());
    expect(rows.has(built.ids.aliceReady)).toBe(false);
    expect(JSON.stringify(card.blocks)).toContain('Fix in Terraform');
  });

  it('the owner asks, an approver approves: SSM runs the script, the callers are posted in the card thread', async () => {
    const reply = await clickFindCaller(legacy);
    const id = /cr-[0-9a-f]{12}/.exec(reply)?.[0] ?? '';
    expect(id).not.toBe('');
    expect(reply).toContain('find-imdsv1-callers.sh');
    const request = await approve(id);
    const result = await inThread(card.channel, card.ts, 'IMDSv1 callers');
    expect(result.text).toContain(legacy);
    expect(result.text).toContain('`python2.7` pid');
    expect(result.text).toContain('5 IMDSv1 request(s)');
    await inThread(C.security, request.ts, 'python2.7');
    const cr = await h.runtime.ctx.change.requests.get(id);
    expect(cr).toMatchObject({
      kind: 'find-caller',
      state: 'applied',
      after: { withoutToken: 5, callers: 1 },
    });
    const sent = h.emulator.stats().byAction;
    expect(sent['ssm:SendCommand']).toBe(1);
    expect(sent['ssm:GetCommandInvocation']).toBeGreaterThan(0);
    const types = (await h.runtime.ctx.audit.recent({ limit: 20, instanceId: legacy }))
      .map((e) => e.type)
      .reverse();
    expect(types).toEqual(['requested', 'approved', 'applying', 'applied', 'verified']);
    // nothing changed on the instance, and there is nothing to roll back
    expect(built.fleet.instance(legacy)?.metadata.httpTokens).toBe('optional');
    const done = await until(async () => {
      const c = h.slack.messagesIn(C.security).find((m) => m.ts === request.ts);
      return c && JSON.stringify(c.blocks).includes('Applied') ? c : undefined;
    }, 'the request card updated');
    expect(JSON.stringify(done.blocks)).not.toContain('imds_cr_rollback');
  });

  it('process names and paths from the instance are escaped in the thread', async () => {
    const id = /cr-[0-9a-f]{12}/.exec(await clickFindCaller(hostile))?.[0] ?? '';
    await approve(id);
    const result = await inThread(card.channel, card.ts, hostile);
    expect(result.text).toContain('&lt;!channel&gt;');
    expect(result.text).not.toMatch(/<!channel>|<@U0ALICE01>|<script>/);
  });

  it('an instance SSM does not manage is refused at once, saying so; an untagged one too', async () => {
    expect(await clickFindCaller(unmanaged)).toContain('is not managed by SSM');
    const r = await h.command(`find-caller ${built.ids.aliceInUse}`, U.alice, C.general);
    const text = JSON.stringify(await until(() => responses(h, r.responseUrl)[0], 'reply'));
    expect(text).toContain('ImdsBotFindCaller=true');
  });
});
