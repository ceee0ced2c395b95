import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { AuditEntry } from '../../src/domain/change/audit-chain.js';
import { createChangeRequest } from '../../src/domain/change/request-schema.js';
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
/** 16,800 calls in the three hours from the request to its approval */
const NEW_CALLER = { kind: 'steady', callsPerHour: 5_600 } as const;

function gateFleet() {
  const fleet = new Fleet({ seed: 59 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 40 * DAY) };
  const add = (name: string, owner: string) =>
    fleet.addInstance({ ...at, tags: { Name: name, Owner: owner } }).instanceId;
  return {
    fleet,
    bulk: Array.from({ length: 6 }, (_, i) => add(`web-${i}`, 'alice@example.com')),
    single: add('carol-box', U.carol),
    later: add('carol-db', U.carol),
    laterBulk: Array.from({ length: 3 }, (_, i) => add(`job-${i}`, 'mallory@example.com')),
  };
}

describe('the readiness gate holds at approval and just before each instance is changed', () => {
  let h: SlackHarness;
  const built = gateFleet();
  const workflow = changeControlWorkflow();
  // every step reads CloudWatch again, however recent the scan (the default tops up scans older than 1 h)
  workflow.approvals.maxScanAgeHours = 0;

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, workflow, slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const requests = () => h.runtime.ctx.change.requests;
  const command = (text: string, user: string) => replyTo(h, text, user, C.general);
  const idIn = (text: string) => /cr-[0-9a-f]{12}/.exec(text)?.[0] ?? '';
  const approve = (id: string, user: string) => clickOnCard(h, id, 'imds_cr_approve', user, C.security);
  const reply = async (url: string) => JSON.stringify(await until(() => responses(h, url)[0], 'the reply'));
  const finalState = (id: string) =>
    until(async () => {
      const cr = await requests().get(id);
      return cr && ['applied', 'failed'].includes(cr.state) ? cr : undefined;
    }, `${id} finished`);
  const tokens = (id: string) => built.fleet.instance(id)?.metadata.httpTokens;
  const auditOf = async (id: string) => {
    const out: AuditEntry[] = [];
    for await (const line of h.runtime.ctx.audit.export({ format: 'jsonl' })) {
      const e = AuditEntry.parse(JSON.parse(line));
      if (e.requestId === id) out.push(e);
    }
    return out;
  };
  const approvedByStore = async (cr: ReturnType<typeof createChangeRequest>) => {
    expect((await requests().create(cr)).ok).toBe(true);
    const { result } = await requests().apply(
      cr.id,
      { type: 'approve', by: { userId: U.approver, name: 'appr' } },
      new Date(),
    );
    expect(result.ok).toBe(true);
  };

  it('a bulk instance that began IMDSv1 calls after the request is skipped with a reason, not enforced', async () => {
    const id = idIn(await command(`enforce-ready ${ACCOUNT} <@${U.alice}>`, U.sec));
    const [turned = '', ...rest] = built.bulk;
    built.fleet.setUsage(turned, NEW_CALLER);

    const answer = await reply(await approve(id, U.approver));
    expect(answer).toContain('will be skipped');
    expect(answer).toContain(turned);
    const cr = await finalState(id);

    expect(cr.state).toBe('applied');
    expect(cr.after).toEqual({ done: 5, failed: 0, skipped: 1, total: 6 });
    expect(tokens(turned)).toBe('optional');
    expect(rest.map(tokens)).toEqual(rest.map(() => 'required'));
    const skipped = (await auditOf(id)).filter((e) => e.type === 'skipped');
    expect(skipped.map((e) => e.target.resource)).toEqual([turned]);
    expect(skipped[0]?.reason).toContain('turned in-use');
    const note = await until(
      () =>
        h.slack
          .messagesIn(C.security)
          .find((m) => m.text.includes('Bulk finished') && m.text.includes(turned)),
      'the closing note naming the skipped instance',
    );
    expect(note.text).toContain('1 skipped');
  });

  it('a single request whose instance turned in-use needs a written override at approval', async () => {
    const id = idIn(await command(`enforce ${built.single} agent upgraded`, U.carol));
    built.fleet.setUsage(built.single, NEW_CALLER);

    const answer = await reply(await approve(id, U.approver));
    expect(answer).toContain('turned in-use');
    expect((await requests().get(id))?.state).toBe('requested');
    expect(tokens(built.single)).toBe('optional');

    await approve(id, U.approver);
    await submitModal(h, id, U.approver, 'the new caller is the old agent, retired today');
    expect((await finalState(id)).state).toBe('applied');
    expect(tokens(built.single)).toBe('required');
  });

  it('an approved single request whose instance turned in-use before the worker ran is not enforced', async () => {
    const cr = createChangeRequest(
      {
        id: 'cr-0000000000a1',
        kind: 'enforce',
        target: { type: 'instance', accountId: ACCOUNT, region: REGION, instanceId: built.later },
        requestedBy: { userId: U.carol, name: 'carol' },
        reason: null,
        before: { httpTokens: 'optional' },
        requiredApprovals: 1,
        ttlHours: 24,
      },
      new Date(),
    );
    await approvedByStore(cr);
    built.fleet.setUsage(built.later, NEW_CALLER);

    await h.runtime.ctx.change.jobs.enqueueApply(cr.id);
    const done = await finalState(cr.id);

    expect(done.state).toBe('failed');
    expect(done.error?.message).toContain('Skipped, not enforced');
    expect(tokens(built.later)).toBe('optional');
  });

  it('an approved bulk skips, just before its change, an instance that turned in-use after approval', async () => {
    const cr = createChangeRequest(
      {
        id: 'cr-0000000000b2',
        kind: 'bulk-enforce',
        target: {
          type: 'bulk',
          accountId: ACCOUNT,
          region: REGION,
          owner: null,
          instanceIds: built.laterBulk,
        },
        requestedBy: { userId: U.sec, name: 'sec' },
        reason: null,
        before: null,
        requiredApprovals: 1,
        ttlHours: 24,
      },
      new Date(),
    );
    await approvedByStore(cr);
    const [turned = '', ...rest] = built.laterBulk;
    built.fleet.setUsage(turned, NEW_CALLER);

    await h.runtime.ctx.change.jobs.enqueueApply(cr.id);
    const done = await finalState(cr.id);

    expect(done.after).toEqual({ done: 2, failed: 0, skipped: 1, total: 3 });
    expect(tokens(turned)).toBe('optional');
    expect(rest.map(tokens)).toEqual(['required', 'required']);
  });
});
