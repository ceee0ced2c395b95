import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../sandbox/aws/fleet.js';
import { requestEnforce } from '../../src/app/change/request.js';
import { AuditEntry } from '../../src/domain/change/audit-chain.js';
import { ACCOUNT, C, changeControlWorkflow, REGION, slackSeed, U } from '../support/slack-fixtures.js';
import { responses, type SlackHarness, startSlackHarness, until } from '../support/slack-harness.js';

const DAY = 86_400_000;

function fleetOf() {
  const fleet = new Fleet({ seed: 53 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 40 * DAY) };
  const alice = Array.from(
    { length: 10 },
    (_, i) => fleet.addInstance({ ...at, tags: { Name: `web-${i}`, Owner: 'alice@example.com' } }).instanceId,
  );
  const carol = fleet.addInstance({ ...at, tags: { Name: 'carol-box', Owner: U.carol } }).instanceId;
  const carol2 = fleet.addInstance({ ...at, tags: { Name: 'carol-db', Owner: U.carol } }).instanceId;
  return { fleet, alice, carol, carol2 };
}

/** Button values of a message whose action_id starts with `prefix`. */
function buttons(m: { blocks: unknown[] | undefined }, prefix: string): string[] {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.action_id === 'string' && o.action_id.startsWith(prefix) && typeof o.value === 'string')
        found.push(o.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(m.blocks);
  return found;
}

describe('one open request per target, whatever its kind (250 ms AWS latency)', () => {
  let h: SlackHarness;
  const built = fleetOf();
  let bulkId = '';
  let clicked = '';

  beforeAll(async () => {
    h = await startSlackHarness(built.fleet, changeControlWorkflow(), slackSeed(), 'http', {
      latencyMs: 250,
    });
    await h.scan();
  }, 60_000);
  afterAll(async () => h?.close());

  const requests = () => h.runtime.ctx.change.requests;
  const command = async (text: string, user: string) => {
    const r = await h.command(text, user, C.general);
    return JSON.stringify(await until(() => responses(h, r.responseUrl)[0], `reply to ${text}`, 30_000));
  };
  const idIn = (text: string) => /cr-[0-9a-f]{12}/.exec(text)?.[0] ?? '';
  const modifyCalls = () => h.emulator.stats().byAction['ec2:ModifyInstanceMetadataOptions'] ?? 0;

  it('the same bulk requested twice at once is filed once; the second is refused naming the first', async () => {
    const texts = await Promise.all([
      command(`enforce-ready ${ACCOUNT} <@${U.alice}>`, U.sec),
      command(`enforce-ready ${ACCOUNT} <@${U.alice}>`, U.sec),
    ]);

    const filed = texts.filter((t) => t.includes('Requested cr-'));
    expect(filed).toHaveLength(1);
    bulkId = idIn(filed[0] ?? '');
    const refused = texts.find((t) => !t.includes('Requested cr-')) ?? '';
    expect(refused).toContain(bulkId);
    expect(refused).toContain('already');
    expect((await requests().byRequester(U.sec)).map((cr) => cr.id)).toEqual([bulkId]);
  }, 60_000);

  it('a single enforce of an instance in the open bulk is refused with a reference to the bulk', async () => {
    const text = await command(`enforce ${built.alice[3]} upgraded`, U.alice);
    expect(text).toContain(bulkId);
    expect(text).not.toContain('Requested cr-');
    expect((await requests().byRequester(U.alice)).length).toBe(0);
  });

  it('approving the bulk changes each instance once: one applied entry per instance and one for the bulk', async () => {
    const before = modifyCalls();
    const card = await until(
      () =>
        h.slack.messagesIn(C.security).find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(bulkId)),
      'the bulk card',
    );
    const url = h.slack.state.newResponseUrl({ channel: C.security, user: U.approver });
    await h.click({
      user: { id: U.approver },
      actions: [{ action_id: 'imds_cr_approve', value: bulkId }],
      channel: { id: C.security },
      message: { ts: card.ts },
      response_url: url,
    });
    await until(
      async () => ((await requests().get(bulkId))?.state === 'applied' ? true : undefined),
      'the bulk applied',
      60_000,
    );
    expect(modifyCalls() - before).toBe(10);
    const appliedEntries = async () => {
      const out: AuditEntry[] = [];
      for await (const line of h.runtime.ctx.audit.export({ format: 'jsonl' })) {
        const e = AuditEntry.parse(JSON.parse(line));
        if (e.type === 'applied') out.push(e);
      }
      return out;
    };
    // the bulk's own entry follows its state change
    const applied = await until(async () => {
      const all = await appliedEntries();
      return all.some((e) => e.target.resource === `bulk:${bulkId}`) ? all : undefined;
    }, "the bulk's applied entry");
    expect(applied).toHaveLength(11);
    expect(new Set(applied.map((e) => e.target.resource)).size).toBe(11);
  }, 90_000);

  it('20 concurrent clicks of one Enforce button file exactly one request', async () => {
    const job = await h.runtime.tasks.add({
      kind: 'digest',
      trigger: { kind: 'cli', by: 'test' },
      onlyRegressions: false,
    });
    await until(async () => (await job.getState()) === 'completed', 'digest planned', 30_000);
    const card = await until(
      () => h.slack.messagesIn(U.carol).find((m) => buttons(m, 'imds_enforce_').length > 0),
      "carol's digest card",
      30_000,
    );
    const [ref = ''] = buttons(card, 'imds_enforce_');
    const urls = Array.from({ length: 20 }, () =>
      h.slack.state.newResponseUrl({ channel: card.channel, user: U.carol }),
    );
    await Promise.all(
      urls.map((url) =>
        h.click({
          user: { id: U.carol },
          actions: [{ action_id: 'imds_enforce_0', value: ref }],
          channel: { id: card.channel },
          message: { ts: card.ts },
          response_url: url,
        }),
      ),
    );

    const texts = await Promise.all(
      urls.map(async (url) => JSON.stringify(await until(() => responses(h, url)[0], 'a reply', 30_000))),
    );

    const filed = await requests().byRequester(U.carol);
    expect(filed).toHaveLength(1);
    clicked = filed[0]?.target.type === 'instance' ? filed[0].target.instanceId : '';
    expect((await requests().forTarget(ACCOUNT, REGION, clicked)).length).toBe(1);
    const id = filed[0]?.id ?? '';
    expect(texts.filter((t) => t.includes(`Requested ${id}`))).toHaveLength(1);
    expect(texts.filter((t) => t.includes(id) && t.includes('already'))).toHaveLength(19);
  }, 60_000);

  it('20 concurrent filings (as 20 task workers would run them) file exactly one request', async () => {
    const f = await h.app.store.locate(clicked === built.carol ? built.carol2 : built.carol);
    if (!f) throw new Error('not scanned');
    const ctx = h.runtime.ctx.change;
    const by = { userId: U.carol, name: 'carol' };
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => requestEnforce(ctx, f, by, [], null, { channelId: C.general })),
    );

    const filed = outcomes.flatMap((o) => (o.ok ? [o.request.id] : []));
    expect(filed).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok && o.openId === filed[0])).toHaveLength(19);
    expect((await requests().forTarget(ACCOUNT, REGION, f.instanceId)).map((cr) => cr.id)).toEqual(filed);
  });
});
