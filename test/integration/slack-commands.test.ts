import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C, slackFleet, slackSeed, slackWorkflow, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

describe('/imds through the real Bolt HTTP receiver', () => {
  let h: SlackHarness;
  const built = slackFleet();

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, slackWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const lastResponse = async (url: string, n: number) => {
    const bodies = await until(
      () => (responses(h, url).length >= n ? responses(h, url) : undefined),
      `${n} response(s)`,
    );
    return JSON.stringify(bodies[n - 1]);
  };

  it('refuses forged signatures and requests older than five minutes, and does nothing for them', async () => {
    const body = 'command=%2Fimds&text=scan&user_id=U0MALLORY&channel_id=C0GEN0001';
    expect((await h.send(body, { secret: 'not-the-secret' })).status).toBe(401);
    expect((await h.send(body, { timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(
      401,
    );
    expect(await h.runtime.tasks.queue.getJobCounts('waiting', 'active', 'completed')).toEqual({
      waiting: 0,
      active: 0,
      completed: 0,
    });
  });

  it('answers help and bad input in the acknowledgement itself', async () => {
    const help = await h.command('help', U.mallory, C.general);
    expect(help.status).toBe(200);
    expect(help.text).toContain('/imds scan');
    const typo = await h.command('scna', U.mallory, C.general);
    expect(typo.text).toMatch(/did you mean.*scan/i);
    const bad = await h.command('status i-xyz', U.mallory, C.general);
    expect(bad.text).toMatch(/instance id/i);
  });

  it('tells someone outside security who may scan, after "working…"', async () => {
    const r = await h.command('scan', U.mallory, C.general);
    expect(r.text).toContain('Working on');
    const reply = await lastResponse(r.responseUrl, 1);
    expect(reply).toContain('is for security');
    expect(reply).toContain('S0SEC0001');
  });

  it('lets a security member scan and reports the result on the response_url', async () => {
    const r = await h.command('scan', U.sec, C.general);
    expect(await lastResponse(r.responseUrl, 1)).toMatch(/Scan scan-.* started/);
    const done = await lastResponse(r.responseUrl, 2);
    expect(done).toContain('finished: 7 instances');
    expect(done).toContain('Laggards 6');
  });

  it('answers status to the owner, refuses others, and says when an instance is unknown', async () => {
    const mine = await h.command(`status ${built.ids.aliceInUse}`, U.alice, C.general);
    const text = await lastResponse(mine.responseUrl, 1);
    expect(text).toContain('still uses it');
    expect(text).toContain('IMDSv1 calls');
    const theirs = await h.command(`status ${built.ids.aliceInUse}`, U.mallory, C.general);
    expect(await lastResponse(theirs.responseUrl, 1)).toContain('is not tagged as yours');
    const unknown = await h.command('status i-0123456789abcdef0', U.sec, C.general);
    expect(await lastResponse(unknown.responseUrl, 1)).toContain('No scan has seen');
  });

  it('lists owners and where their digests go', async () => {
    const r = await h.command('owners', U.sec, C.general);
    const text = await lastResponse(r.responseUrl, 1);
    expect(text).toContain(`<@${U.alice}> (DM)`);
    expect(text).toContain(`<#${C.payments}>`);
    expect(text).toContain('is a deactivated Slack user');
    expect(text).toContain('(unowned)');
  });

  it("reports KPIs privately, the trend chart in the asker's DM", async () => {
    const r = await h.command('report', U.sec, C.security);
    const text = await lastResponse(r.responseUrl, 1);
    expect(text).toContain('IMDSv2 migration');
    expect(text).toContain('By account');
    // the one production laggard (alice-legacy) has no non-production twin
    expect(text).toContain(
      'Production laggards with a non-production twin (same app tag or Name) already enforced without breakage: 0 of 1',
    );
    const file = await until(
      () => h.slack.files().find((f) => f.channel_id === h.slack.state.dmIdFor(U.sec) && f.completed),
      'the chart upload',
    );
    expect(file.filename).toBe('imds-trend.png');
    expect(file.bytes?.subarray(1, 4).toString()).toBe('PNG');
  });
});
