import { describe, expect, it } from 'vitest';
import { render } from '../../src/adapters/slack/render.js';
import { applyChange } from '../../src/app/change/apply.js';
import type { ChangeContext } from '../../src/app/change/context.js';
import { approve } from '../../src/app/change/decide.js';
import { requestEnforce } from '../../src/app/change/request.js';
import type { Finding, MetadataOptions } from '../../src/domain/findings/model.js';
import type { Message } from '../../src/domain/message.js';
import type { Remediation } from '../../src/domain/ports/remediation.js';
import { makeFinding, makeSnapshot } from '../support/factories.js';
import {
  memoryAudit,
  memoryChangeRequests,
  memoryMemo,
  memoryTally,
} from '../support/fakes/change-stores.js';
import { slackWorkflow, U } from '../support/slack-fixtures.js';

/** Change control against in-memory fakes of its ports: no Redis, no AWS, no Slack. */
function rig(f: Finding) {
  const options: MetadataOptions = {
    httpTokens: f.httpTokens,
    httpEndpoint: f.httpEndpoint,
    hopLimit: f.hopLimit ?? 1,
    state: 'applied',
    instanceMetadataTags: 'disabled',
    httpProtocolIpv6: 'disabled',
  } as MetadataOptions;
  const modified: string[] = [];
  const remediation = {
    readInstanceOptions: async (instanceId: string) => ({ instanceId, instanceState: 'running', options }),
    enforceInstance: async (
      instanceId: string,
      want: MetadataOptions,
      onBefore?: (b: MetadataOptions) => void,
    ) => {
      await onBefore?.(options);
      modified.push(instanceId);
      return { changed: true, before: options, after: { ...options, ...want }, awsRequestId: 'r-1' };
    },
  } as unknown as Remediation;
  const said: string[] = [];
  const audit = memoryAudit();
  const snapshot = makeSnapshot({ accountId: f.accountId, region: f.region, findings: [f] });
  const ctx: ChangeContext = {
    workflow: slackWorkflow(),
    requests: memoryChangeRequests(),
    audit,
    findings: {
      locate: async (id) => (id === f.instanceId ? f : null),
      getSnapshot: async () => snapshot,
      patchSnapshot: async () => {},
      recordInstanceChange: async () => {},
      instanceChange: async () => null,
      watch: async () => {},
    },
    memo: memoryMemo(),
    tally: memoryTally(),
    remediationFor: async () => remediation,
    autoScalingFor: async () => {
      throw new Error('no Auto Scaling in this rig');
    },
    usage: { read: async () => new Map() },
    owners: { userOf: async () => U.alice },
    notifier: {
      filed: async (_cr, notes) => void said.push(...notes.map((n: Message) => render(n).text)),
      changed: async (_cr, note) => void (note && said.push(render(note).text)),
      cardLink: async () => null,
      offerRefresh: async () => {},
    },
    jobs: {
      enqueueApply: async () => {},
      enqueueBulk: async () => {},
      jobState: async () => 'missing',
      enqueueRefreshWatch: async () => {},
    },
    botHost: null,
    now: () => new Date(snapshot.scannedAt),
  };
  return { ctx, audit, modified, said };
}

describe('change use cases on fakes', () => {
  it('a second click by the same approver is told where the request is, not "applying now" again', async () => {
    const f = makeFinding({ owner: 'alice@example.com' });
    const { ctx } = rig(f);
    const filed = await requestEnforce(ctx, f, { userId: U.alice, name: 'alice' }, [], null, {
      channelId: null,
    });
    if (!filed.ok) throw new Error(`not filed: ${render(filed.reason).text}`);
    const by = { userId: U.approver, name: 'approver' };
    const first = await approve(ctx, filed.request.id, by, []);
    const second = await approve(ctx, filed.request.id, by, []);
    expect(render(first.message).text).toBe(`Approved ${filed.request.id}: applying now.`);
    expect(render(second.message).text).toBe(`Approved ${filed.request.id}: it is approved now.`);
  });

  it('one click to ModifyInstanceMetadataOptions and its audit entries: request, approve, apply', async () => {
    const f = makeFinding({ owner: 'alice@example.com' });
    const { ctx, audit, modified, said } = rig(f);

    const filed = await requestEnforce(ctx, f, { userId: U.alice, name: 'alice' }, [], null, {
      channelId: null,
    });
    if (!filed.ok) throw new Error(`not filed: ${render(filed.reason).text}`);
    const decided = await approve(ctx, filed.request.id, { userId: U.approver, name: 'approver' }, []);
    expect(render(decided.message).text).toBe(`Approved ${filed.request.id}: applying now.`);
    const job = { id: `apply-${filed.request.id}`, attemptsMade: 0, attempts: 6 };
    expect(await applyChange(ctx, filed.request.id, job)).toBe('applied');

    expect(modified).toEqual([f.instanceId]);
    expect((await ctx.requests.get(filed.request.id))?.state).toBe('applied');
    expect(audit.entries().map((e) => e.type)).toEqual([
      'requested',
      'approved',
      'applying',
      'applied',
      'verified',
    ]);
    expect(audit.entries()[3]).toMatchObject({ awsRequestId: 'r-1', before: { httpTokens: 'optional' } });
    expect(said.at(-1)).toContain(':white_check_mark: Done and verified: HttpTokens optional → required');
    expect(said.at(-1)).toContain('(AWS request `r-1`)');
  });

  it('the requester cannot approve their own request, and the refusal is audited', async () => {
    const f = makeFinding({ owner: 'alice@example.com' });
    const { ctx, audit } = rig(f);
    const filed = await requestEnforce(ctx, f, { userId: U.alice, name: 'alice' }, [], null, {
      channelId: null,
    });
    if (!filed.ok) throw new Error('not filed');
    const decided = await approve(ctx, filed.request.id, { userId: U.alice, name: 'alice' }, []);
    expect(decided.ok).toBe(false);
    expect(audit.entries().map((e) => e.type)).toEqual(['requested', 'refused']);
    expect((await ctx.requests.get(filed.request.id))?.state).toBe('requested');
  });
});
