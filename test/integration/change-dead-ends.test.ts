import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { health } from '../../src/cli/redis.js';
import { C, changeControlWorkflow, slackFleet, slackSeed, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

describe('a request that can never be approved is announced, not left to expire', () => {
  let h: SlackHarness;
  const built = slackFleet();

  // two approvers and two required for production: the shape that stranded requests unannounced
  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, changeControlWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  it('says so in the reply and on the card when an approver files a production request', async () => {
    const r = await h.command(`enforce ${built.ids.aliceInUse} legacy cron retired`, U.approver, C.general);
    const text = JSON.stringify(await until(() => responses(h, r.responseUrl)[0], 'the reply'));

    expect(text).toContain('Requested cr-');
    expect(text).toContain('can never be approved');
    expect(text).toContain('needs 2 approver(s) other than the requester');
    const id = /cr-[0-9a-f]{12}/.exec(text)?.[0] ?? '';
    const card = await until(
      () => h.slack.messagesIn(C.security).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id)),
      'the card',
    );
    expect(JSON.stringify(card.blocks)).toContain('can never be approved');
  });

  it('says nothing of the kind when the request can be approved', async () => {
    const r = await h.command(`enforce ${built.ids.carol}`, U.sec, C.general);
    const text = JSON.stringify(await until(() => responses(h, r.responseUrl)[0], 'the reply'));
    expect(text).toContain('Requested cr-');
    expect(text).not.toContain('can never be approved');
  });

  it('`imds-bot health` names the rule and the people', async () => {
    const out = new PassThrough();
    let printed = '';
    out.on('data', (b: Buffer) => {
      printed += b.toString();
    });
    await health(h.app, out);
    expect(printed).toContain('approvals: WARNING (prod-needs-two)');
    expect(printed).toContain(`${U.approver}, ${U.approver2}`);
  });
});
