import { Fleet } from '../../sandbox/aws/fleet.js';
import { AuditEntry } from '../../src/domain/change/audit-chain.js';
import { clickApprove } from './request-card.js';
import { ACCOUNT, C, REGION, U } from './slack-fixtures.js';
import { responses, type SlackHarness, until } from './slack-harness.js';

const DAY = 86_400_000;

/** `n` ready laggards of alice's (and two of carol's a bulk of alice's must leave alone). */
export function readyFleet(n: number) {
  const fleet = new Fleet({ seed: 53 });
  fleet.addAccount({ id: ACCOUNT, regions: [REGION] });
  const at = { accountId: ACCOUNT, region: REGION, launchTime: new Date(Date.now() - 40 * DAY) };
  const add = (count: number, name: string, owner: string) =>
    Array.from(
      { length: count },
      (_, i) => fleet.addInstance({ ...at, tags: { Name: `${name}-${i}`, Owner: owner } }).instanceId,
    );
  return {
    fleet,
    ready: add(n, 'alice-web', 'alice@example.com'),
    others: add(2, 'carol', 'carol@example.com'),
  };
}

/** The bulk flow as people drive it: a security member files enforce-ready, an approver approves on the card. */
export function bulkFlow(h: SlackHarness) {
  const requests = () => h.runtime.ctx.change.requests;
  const audit = async (id: string) => {
    const entries: AuditEntry[] = [];
    for await (const line of h.runtime.ctx.audit.export({ format: 'jsonl' }))
      entries.push(AuditEntry.parse(JSON.parse(line)));
    return entries.filter((e) => e.requestId === id);
  };
  return {
    requests,
    audit,
    async file(): Promise<string> {
      const r = await h.command(`enforce-ready ${ACCOUNT} <@${U.alice}>`, U.sec, C.general);
      const text = JSON.stringify(await until(() => responses(h, r.responseUrl)[0], 'the reply'));
      const id = /cr-[0-9a-f]{12}/.exec(text)?.[0];
      if (!id) throw new Error(`no request id in ${text}`);
      return id;
    },
    async approve(id: string): Promise<string> {
      const { url } = await clickApprove(h, id);
      return JSON.stringify(await until(() => responses(h, url)[0], 'the approval reply'));
    },
    /** the bulk is finished once its own entry (which follows the state change) is written too */
    applied: (id: string) =>
      until(
        async () =>
          (await requests().get(id))?.state === 'applied' &&
          (await audit(id)).some((e) => e.target.resource === `bulk:${id}`)
            ? requests().get(id)
            : undefined,
        `${id} applied`,
        90_000,
      ),
  };
}

export const resourcesOf = (entries: AuditEntry[], type: AuditEntry['type']) =>
  entries
    .filter((e) => e.type === type)
    .map((e) => e.target.resource)
    .sort();
