import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C, slackFleet, slackSeed, slackWorkflow, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

/** What Slack is told when a scan could not read everything: failed scopes first, missing parts named. */
describe('a scan that could not read everything, as Slack tells it', () => {
  let h: SlackHarness;
  const built = slackFleet();

  const lastResponse = async (url: string, n: number) => {
    const bodies = await until(
      () => (responses(h, url).length >= n ? responses(h, url) : undefined),
      `${n} response(s)`,
    );
    return bodies[n - 1] as { text?: string; blocks?: { text?: { text: string } }[] };
  };
  const digest = async () => {
    const job = await h.runtime.tasks.add({
      kind: 'digest',
      trigger: { kind: 'cli', by: 'test' },
      onlyRegressions: false,
    });
    await until(async () => (await job.getState()) === 'completed', 'digest planned');
    await until(async () => {
      const c = await h.runtime.out.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).every((n) => n === 0);
    }, 'digests delivered');
  };

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, slackWorkflow(), slackSeed());
  });
  afterAll(async () => h?.close());

  it('a scan whose usage was denied: the digest and /imds report name the missing part, nothing is "ready"', async () => {
    h.emulator.setOperationFault('monitoring:GetMetricData', 'access-denied');
    await h.scan();
    h.emulator.setOperationFault('monitoring:GetMetricData', null);
    await digest();

    const alice = h.slack.messagesIn(U.alice).filter((m) => !m.thread_ts);
    const card = JSON.stringify(alice.at(-1)?.blocks ?? []);
    expect(card).toContain('read without some parts');
    expect(card).toContain('IMDSv1 usage (AccessDenied)');
    expect(card).not.toContain('Ready to enforce');

    const r = await h.command('report', U.sec, C.security);
    const report = await lastResponse(r.responseUrl, 1);
    expect(report.blocks?.[0]?.text?.text).toMatch(/^:jigsaw: 1 scope\(s\) read without some parts/);
    expect(report.blocks?.[0]?.text?.text).toContain('IMDSv1 usage (AccessDenied)');
  });

  it('a scan that read no instance: the first line says so, and the share is n/a, never 100%', async () => {
    h.emulator.setOperationFault('ec2:DescribeInstances', 'html-500');
    const r = await h.command('scan', U.sec, C.general);
    const done = await lastResponse(r.responseUrl, 2);
    h.emulator.setOperationFault('ec2:DescribeInstances', null);

    const text = done.blocks?.[0]?.text?.text ?? '';
    expect(text.split('\n')[0]).toMatch(/^:warning: \*Incomplete:\* 1 of 1 scope\(s\) could not be read/);
    expect(text).toContain('instances (NonAwsResponse)');
    expect(text).toContain('finished: 0 instances, n/a not accepting IMDSv1');
    expect(text).not.toContain('100%');

    const report = await lastResponse((await h.command('report', U.sec, C.security)).responseUrl, 1);
    expect(report.text).toMatch(/^IMDSv2 report: INCOMPLETE, n\/a compliant/);
    expect(report.blocks?.[0]?.text?.text).toMatch(/^:warning: \*Incomplete:\*/);
  });
});
