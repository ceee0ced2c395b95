import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { AuditEntry } from '../../src/domain/change/audit-chain.js';
import { ACCOUNT, C, changeControlWorkflow, REGION, slackSeed, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

const DAY = 86_400_000;
const READY = 60;

/** One owner's ready laggards, plus what a bulk of theirs must leave alone. */
function bulkFleet() {
  const fleet = new Fleet({ seed: 47 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 40 * DAY) };
  const add = (n: number, name: string, extra: Parameters<Fleet['addInstance']>[0] = {}) =>
    Array.from(
      { length: n },
      (_, i) =>
        fleet.addInstance({ ...at, ...extra, tags: { Name: `${name}-${i}`, ...extra.tags } }).instanceId,
    );
  const alice = { Owner: 'alice@example.com' };
  return {
    fleet,
    aliceReady: add(READY, 'alice-web', { tags: alice }),
    aliceInUse: add(2, 'alice-legacy', {
      tags: { ...alice, Environment: 'prod' },
      usage: { kind: 'steady', callsPerHour: 5 },
    }),
    aliceUnknown: add(2, 'alice-quiet', { tags: alice, usage: { kind: 'no-data' } }),
    carolReady: add(5, 'carol-box', { tags: { Owner: 'carol@example.com' } }),
    malloryReady: add(4, 'mallory-job', { tags: { Owner: 'mallory@example.com' } }),
  };
}

describe('bulk enforcement: one request, one approval, one job per instance', () => {
  let h: SlackHarness;
  const built = bulkFleet();
  let aliceBulk = '';

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, changeControlWorkflow(), slackSeed());
    await h.scan();
  });
  afterAll(async () => h?.close());

  const requests = () => h.runtime.ctx.change.requests;
  const enforceReady = async (owner: string) => {
    const r = await h.command(`enforce-ready ${ACCOUNT} <@${owner}>`, U.sec, C.general);
    const text = JSON.stringify(await until(() => responses(h, r.responseUrl)[0], 'the reply'));
    const id = /cr-[0-9a-f]{12}/.exec(text)?.[0];
    if (!id) throw new Error(`no request id in ${text}`);
    return id;
  };
  const card = (id: string) =>
    until(
      () => h.slack.messagesIn(C.security).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(id)),
      `card of ${id}`,
    );
  const approveOnCard = async (id: string) => {
    const c = await card(id);
    const url = h.slack.state.newResponseUrl({ channel: C.security, user: U.approver });
    await h.click({
      user: { id: U.approver },
      actions: [{ action_id: 'imds_cr_approve', value: id }],
      channel: { id: C.security },
      message: { ts: c.ts },
      response_url: url,
    });
    return JSON.stringify(await until(() => responses(h, url)[0], 'the approval reply'));
  };
  const auditOf = async (id: string) => {
    const entries: AuditEntry[] = [];
    for await (const line of h.runtime.ctx.audit.export({ format: 'jsonl' }))
      entries.push(AuditEntry.parse(JSON.parse(line)));
    return entries.filter((e) => e.requestId === id);
  };
  // the bulk is finished once its own entry is written too: it follows the state change
  const applied = (id: string) =>
    until(
      async () =>
        (await requests().get(id))?.state === 'applied' &&
        (await auditOf(id)).some((e) => e.target.resource === `bulk:${id}`)
          ? requests().get(id)
          : undefined,
      `${id} applied`,
      60_000,
    );
  const resourcesOf = (entries: AuditEntry[], type: AuditEntry['type']) =>
    entries
      .filter((e) => e.type === type)
      .map((e) => e.target.resource)
      .sort();
  const tokens = (ids: string[]) => ids.map((i) => built.fleet.instance(i)?.metadata.httpTokens);
  const sorted = (ids: string[]) => [...ids].sort();

  it("a security member files one request holding exactly the owner's ready instances", async () => {
    const id = await enforceReady(U.alice);
    aliceBulk = id;

    const cr = await requests().get(id);
    expect(cr?.kind).toBe('bulk-enforce');
    expect(cr?.state).toBe('requested');
    expect(cr?.requiredApprovals).toBe(1);
    expect(cr?.target).toEqual({
      type: 'bulk',
      accountId: ACCOUNT,
      region: REGION,
      owner: U.alice,
      instanceIds: expect.any(Array),
    });
    expect(sorted(cr?.target.type === 'bulk' ? cr.target.instanceIds : [])).toEqual(sorted(built.aliceReady));
    expect((await requests().byRequester(U.sec)).map((r) => r.id)).toEqual([id]);
    expect(JSON.stringify((await card(id)).blocks)).toContain(`${READY} instance(s)`);
  });

  it('one approval applies them all: required, counted, audited per instance, the rest untouched', async () => {
    const id = aliceBulk;

    expect(await approveOnCard(id)).toContain('applying now');
    const cr = await applied(id);

    expect(cr?.after).toEqual({ done: READY, failed: 0, total: READY });
    expect(tokens(built.aliceReady)).toEqual(built.aliceReady.map(() => 'required'));
    const untouched = [
      ...built.aliceInUse,
      ...built.aliceUnknown,
      ...built.carolReady,
      ...built.malloryReady,
    ];
    expect(tokens(untouched)).toEqual(untouched.map(() => 'optional'));
    expect(h.emulator.stats().byAction['ec2:ModifyInstanceMetadataOptions']).toBe(READY);
    const entries = await auditOf(id);
    // one entry per instance, and one for the bulk request itself (its counts)
    expect(resourcesOf(entries, 'applied')).toEqual(sorted([...built.aliceReady, `bulk:${id}`]));
    expect(entries.find((e) => e.type === 'applied' && e.target.resource === `bulk:${id}`)?.after).toEqual({
      done: READY,
      failed: 0,
      total: READY,
    });
    expect(resourcesOf(entries, 'verified')).toEqual(sorted(built.aliceReady));
    expect(entries.filter((e) => e.type === 'failed')).toEqual([]);
    expect((await h.runtime.ctx.audit.verify()).ok).toBe(true);
  });

  it('the card is updated in place while applying and ends with the final count', async () => {
    const id = aliceBulk;
    const c = await card(id);

    const final = await until(async () => {
      const text = JSON.stringify((await card(id)).blocks);
      return text.includes('Applied and verified') && text.includes(`Progress: ${READY}/${READY} done`)
        ? text
        : undefined;
    }, 'the final card');
    expect(final).not.toContain('imds_cr_approve');
    const updates = h.slack.calls('chat.update').filter((u) => u.ok && u.args.ts === c.ts);
    expect(updates.some((u) => JSON.stringify(u.args.blocks).includes('Applying'))).toBe(true);
    const counts = updates.flatMap((u) => {
      const m = new RegExp(`Progress: (\\d+)/${READY} done`).exec(JSON.stringify(u.args.blocks));
      return m ? [Number(m[1])] : [];
    });
    expect(counts.some((n) => n > 0 && n < READY)).toBe(true);
    const thread = await until(
      () =>
        h.slack.messagesIn(C.security).find((m) => m.thread_ts === c.ts && m.text.includes('Bulk finished')),
      'the closing thread note',
    );
    expect(thread.text).toContain(`${READY}/${READY} enforced and verified`);
  });

  it('an instance terminated after the request counts as failed, and the bulk still finishes', async () => {
    const id = await enforceReady(U.mallory);
    const [gone, ...rest] = built.malloryReady;
    built.fleet.terminateInstance(gone ?? '');

    expect(await approveOnCard(id)).toContain('applying now');
    const cr = await applied(id);

    expect(cr?.after).toEqual({ done: 3, failed: 1, total: 4 });
    expect(tokens(rest)).toEqual(['required', 'required', 'required']);
    const entries = await auditOf(id);
    expect(resourcesOf(entries, 'failed')).toEqual([gone]);
    expect(resourcesOf(entries, 'verified')).toEqual(sorted(rest));
    expect((await h.runtime.ctx.audit.verify()).ok).toBe(true);
  });
});
