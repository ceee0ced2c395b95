import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_LT,
  guardrailsFleet,
  guardrailsWorkflow,
  LEGACY_AMI,
  PROD,
  REGION,
  SANDBOX,
  WEB_LT,
} from '../support/guardrails-fleet.js';
import { C, slackSeed, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/**
 * `/imds guardrails` end to end: signed requests to the real Bolt receiver, the scan against the
 * emulator's organization, the reply on the fake Slack's response_url, and the Fix buttons filing
 * the existing fix-template / fix-default requests through the same approval flow.
 */

type Button = { action_id: string; value: string; text: { text: string } };
type Block = { type: string; text?: { text: string }; accessory?: Button };

describe('/imds guardrails through the real Bolt receiver', () => {
  let h: SlackHarness;
  const g = guardrailsFleet();

  beforeAll(async () => {
    h = await startSlackHarness(g.fleet, guardrailsWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const guardrails = async (user: string, text = 'guardrails') => {
    const r = await h.command(text, user, C.general);
    return until(() => responses(h, r.responseUrl)[0], `reply to ${text}`) as Promise<{
      text?: string;
      blocks?: Block[];
    }>;
  };
  const buttons = (blocks: Block[] = []) => blocks.flatMap((b) => (b.accessory ? [b.accessory] : []));
  const click = async (value: string, user: string, actionId = 'imds_gfix_0') => {
    const url = h.slack.state.newResponseUrl({ channel: C.general, user });
    const r = await h.click({
      user: { id: user },
      actions: [{ action_id: actionId, value }],
      channel: { id: C.general },
      message: { ts: '1700000000.000100' },
      response_url: url,
    });
    expect(r.status).toBe(200);
    return JSON.stringify(await until(() => responses(h, url)[0], 'the reply to the click'));
  };

  it('answers the seed questions, the defaults, the templates with their groups and the AMIs, AWS names escaped', async () => {
    const reply = await guardrails(U.sec);
    const text = (reply.blocks ?? []).map((b) => b.text?.text ?? '').join('\n');

    expect(text).toContain('*Instances allowing IMDSv1:* 2');
    expect(text).toContain('*SCP blocking IMDSv1 launches:* 1 of');
    expect(text).toContain('*New launches configured for IMDSv2:* 1 of 2 account × regions');
    // the seed questions are answered in one place: one block holds the three answers
    const seed = (reply.blocks ?? []).filter((b) =>
      [
        'Instances allowing IMDSv1:',
        'SCP blocking IMDSv1 launches:',
        'New launches configured for IMDSv2:',
      ].every((q) => b.text?.text.includes(q)),
    );
    expect(seed).toHaveLength(1);
    expect(text).toContain(`payments (${PROD}): launch requires IMDSv2`);
    expect(text).toContain(`play &lt;b&gt;&amp; (${SANDBOX}): no protection`);
    expect(text).toMatch(/OUs with no protection:\*.*sandbox/);
    expect(text).toContain(`${SANDBOX} / ${REGION}* — account default HttpTokens: no preference`);
    expect(text).toContain(
      `template *batch* \`${BATCH_LT}\`, default version 1: HttpTokens not set — launched by batch-asg`,
    );
    expect(text).toContain(
      `template *web* \`${WEB_LT}\`, default version 1: HttpTokens optional — no Auto Scaling group launches it`,
    );
    // web-asg launches $Latest (version 2), which requires tokens: no row for it
    expect(text).not.toContain('launched by web-asg');
    expect(text).toContain(
      `AMI \`${LEGACY_AMI}\` legacy-&lt;al2&gt; has no ImdsSupport v2.0 — 2 laggards: \`${g.laggards[0]}\``,
    );
    expect(text).not.toContain('<al2>');
    expect(buttons(reply.blocks).map((b) => [b.text.text, b.value])).toEqual([
      ['Fix default', `default:${SANDBOX}:${REGION}`],
      ['Fix template', `template:${SANDBOX}:${REGION}:${BATCH_LT}`],
      ['Fix template', `template:${SANDBOX}:${REGION}:${WEB_LT}`],
    ]);
    expect(new Set(buttons(reply.blocks).map((b) => b.action_id)).size).toBe(3);
    expect(reply.blocks?.length).toBeLessThanOrEqual(50);
  });

  it('/imds status of a laggard from that AMI says new instances from it start with IMDSv1', async () => {
    const r = await h.command(`status ${g.laggards[0]}`, U.sec, C.general);
    const text = JSON.stringify(await until(() => responses(h, r.responseUrl)[0], 'status'));
    expect(text).toContain(
      `AMI \`${LEGACY_AMI}\` (legacy-&lt;al2&gt;) has no ImdsSupport v2.0: new instances from it start with IMDSv1`,
    );
  });

  it('the guardrails section of /imds report and of the security App Home answers the seed questions', async () => {
    const r = await h.command('report', U.sec, C.general);
    const answer = await until(() => responses(h, r.responseUrl)[0], 'report');
    const reportBlocks = answer.blocks ?? [];
    const report = JSON.stringify(answer);
    expect(report).toContain('*Guardrails*');
    expect(report).toContain('Instances allowing IMDSv1: 2');
    expect(report).toMatch(/SCP blocking IMDSv1 launches: 1 of \d+ accounts; 2 OUs with no protection/);
    expect(report).toContain('1 AMI without ImdsSupport v2.0');
    // the three seed answers together, in the one guardrails section of the report
    const section =
      (reportBlocks as Block[]).find((b) => b.text?.text.includes('*Guardrails*'))?.text?.text ?? '';
    expect(section).toContain('Instances allowing IMDSv1: 2');
    expect(section).toMatch(/SCP blocking IMDSv1 launches: 1 of \d+ accounts/);
    expect(section).toContain('New launches configured for IMDSv2: 1 of 2 account × regions');
    await h.event({ type: 'app_home_opened', user: U.sec, tab: 'home', channel: 'D0SEC0001' });
    const home = await until(
      () =>
        h.slack
          .calls('views.publish')
          .filter((c) => c.args.user_id === U.sec)
          .map((c) => JSON.stringify(c.args.view))
          .find((v) => v.includes('Guardrails')),
      'the security Home tab with guardrails',
    );
    expect(home).toContain('New launches configured for IMDSv2: 1 of 2 account × regions');
    expect(home).toContain('already enforced without breakage: 0 of 0');
  });

  it('is for security only; one account narrows it', async () => {
    expect(JSON.stringify(await guardrails(U.mallory))).toContain('is for security');
    const one = await guardrails(U.sec, `guardrails ${PROD}`);
    expect(buttons(one.blocks)).toEqual([]);
    expect(JSON.stringify(one)).toContain('1 account × region fully guarded');
  });

  it('Fix template files the launch-template fix, approved like any change, and the template then requires IMDSv2', async () => {
    const answer = await click(`template:${SANDBOX}:${REGION}:${BATCH_LT}`, U.sec, 'imds_gfix_1');
    const id = /cr-[0-9a-f]{12}/.exec(answer)?.[0] ?? '';
    expect(id).not.toBe('');
    const cr = await h.runtime.ctx.change.requests.get(id);
    expect(cr).toMatchObject({
      kind: 'launch-template-fix',
      state: 'requested',
      target: { launchTemplateId: BATCH_LT },
    });
    const card = await until(
      () => h.slack.messagesIn(C.security).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id)),
      'the request card',
    );
    for (const approver of [U.approver, U.approver2])
      await h.click({
        user: { id: approver },
        actions: [{ action_id: 'imds_cr_approve', value: id }],
        channel: { id: C.security },
        message: { ts: card.ts },
        response_url: h.slack.state.newResponseUrl({ channel: C.security, user: approver }),
      });
    await until(async () => (await h.runtime.ctx.change.requests.get(id))?.state === 'applied', 'applied');
    const t = g.fleet.launchTemplate(SANDBOX, REGION, BATCH_LT);
    expect(t?.versions.get(t.defaultVersion)?.data.metadataOptions?.httpTokens).toBe('required');
  });

  it('Fix default files the account-default request', async () => {
    const answer = await click(`default:${SANDBOX}:${REGION}`, U.sec);
    const id = /cr-[0-9a-f]{12}/.exec(answer)?.[0] ?? '';
    expect((await h.runtime.ctx.change.requests.get(id))?.kind).toBe('account-default');
  });

  it('a forged button is refused and audited; one for a default a declarative policy owns is out of date; others may not file', async () => {
    const forged = await click(`template:${SANDBOX}:${REGION}:lt-<script>`, U.sec);
    expect(forged).toContain('not from a current imds-bot guardrails report');
    const audit = await h.runtime.ctx.audit.recent({ limit: 20 });
    expect(JSON.stringify(audit)).toContain('unknown-button');
    const stale = await click(`default:${PROD}:${REGION}`, U.sec);
    expect(stale).toContain('no longer allows IMDSv1');
    const other = await click(`template:${SANDBOX}:${REGION}:${WEB_LT}`, U.mallory);
    expect(other).toContain('Only security');
    expect(other).not.toMatch(/Requested cr-/);
  });
});
