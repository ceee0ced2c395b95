import type { KnownBlock, ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../sandbox/slack/index.js';
import { fakeWebClient } from '../support/fake-slack-clients.js';

let fake: FakeSlack;
let web: WebClient;
let clock: number;

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const modal = (blocks: KnownBlock[], extra: Partial<ModalView> = {}): ModalView => ({
  type: 'modal',
  callback_id: 'enforce_confirm',
  title: { type: 'plain_text', text: 'Enforce' },
  blocks,
  ...extra,
});

async function errorOf(call: Promise<unknown>): Promise<unknown> {
  const error = (await call.then(
    () => ({}),
    (e: unknown) => e,
  )) as { data?: { error?: string } };
  return error.data?.error;
}

function postTo(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));
}

beforeEach(async () => {
  clock = Date.UTC(2026, 0, 5, 9, 0, 0);
  fake = await startFakeSlack({
    now: () => clock,
    users: [
      { id: 'U001', name: 'alice', email: 'alice@example.com' },
      { id: 'U002', name: 'bruno', email: 'bruno@example.com' },
    ],
    channels: [{ id: 'C100', name: 'imds' }],
    rateLimits: false,
  });
  web = fakeWebClient(fake);
});

afterEach(async () => {
  await fake.close();
});

describe('views', () => {
  it('opens a modal with a fresh trigger_id and updates it by id', async () => {
    const trigger_id = fake.state.newTriggerId();
    const opened = await web.views.open({
      trigger_id,
      view: modal([section('Enforce i-1?')], { private_metadata: 'cr-1' }),
    });
    const id = opened.view?.id as string;
    const updated = await web.views.update({ view_id: id, view: modal([section('Done')]) });
    expect(opened.view).toMatchObject({
      type: 'modal',
      callback_id: 'enforce_confirm',
      private_metadata: 'cr-1',
    });
    expect(updated.view?.id).toEqual(id);
    expect(fake.state.view(id)).toMatchObject({ blocks: [section('Done')], updates: 1 });
  });

  it.each([
    ['older than 3 seconds', 3001, 'expired_trigger_id'],
    ['just within 3 seconds', 3000, undefined],
  ])('a trigger_id %s', async (_label, ageMs, expected) => {
    const trigger_id = fake.state.newTriggerId();
    clock += ageMs;
    expect(await errorOf(web.views.open({ trigger_id, view: modal([]) }))).toEqual(expected);
  });

  it('exchanges a trigger_id once and refuses ids it never issued', async () => {
    const trigger_id = fake.state.newTriggerId();
    await web.views.open({ trigger_id, view: modal([]) });
    expect(await errorOf(web.views.open({ trigger_id, view: modal([]) }))).toEqual('exchanged_trigger_id');
    expect(await errorOf(web.views.open({ trigger_id: '1.2.abc', view: modal([]) }))).toEqual(
      'invalid_trigger_id',
    );
  });

  it('refuses a view over 100 blocks without spending the trigger', async () => {
    const trigger_id = fake.state.newTriggerId();
    const big = modal(Array.from({ length: 101 }, () => section('x')));
    expect(await errorOf(web.views.open({ trigger_id, view: big }))).toEqual('invalid_arguments');
    expect(await errorOf(web.views.open({ trigger_id, view: modal([]) }))).toBeUndefined();
  });

  it('publishes and replaces a user’s Home tab', async () => {
    await web.views.publish({ user_id: 'U001', view: { type: 'home', blocks: [section('v1')] } });
    await web.views.publish({ user_id: 'U001', view: { type: 'home', blocks: [section('v2')] } });
    expect(fake.homeView('U001')).toMatchObject({ type: 'home', blocks: [section('v2')], updates: 1 });
    expect(fake.homeView('U002')).toBeUndefined();
  });

  it('refuses views.update with a stale hash', async () => {
    const opened = await web.views.open({ trigger_id: fake.state.newTriggerId(), view: modal([]) });
    const call = web.views.update({ view_id: opened.view?.id as string, hash: 'stale', view: modal([]) });
    expect(await errorOf(call)).toEqual('hash_conflict');
  });
});

describe('response_url', () => {
  it('accepts 5 posts, then answers 404 used_url', async () => {
    const url = fake.state.newResponseUrl({ channel: 'C100', user: 'U001' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await postTo(url, { text: `reply ${i}` })).status);
    const last = await postTo(url, { text: 'again' });
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(last.body).toEqual({ ok: false, error: 'used_url' });
    expect(fake.state.responseUses(url).map((u) => u.status)).toEqual([200, 200, 200, 200, 200, 404, 404]);
  });

  it('expires after 30 minutes', async () => {
    const url = fake.state.newResponseUrl({ channel: 'C100', user: 'U001' });
    clock += 30 * 60_000 + 1;
    expect(await postTo(url, { text: 'late' })).toEqual({
      status: 404,
      body: { ok: false, error: 'expired_url' },
    });
  });

  it('posts ephemeral by default and in_channel when asked', async () => {
    const url = fake.state.newResponseUrl({ channel: 'C100', user: 'U001' });
    await postTo(url, { text: 'just you' });
    await postTo(url, { text: 'everyone', response_type: 'in_channel' });
    expect(fake.state.ephemerals({ channel: 'C100' })).toMatchObject([
      { user: 'U001', text: 'just you', source: 'response_url' },
    ]);
    expect(fake.messagesIn('C100')).toMatchObject([{ text: 'everyone', source: 'response_url' }]);
  });

  it('replaces and deletes the original message of an interaction', async () => {
    const card = await web.chat.postMessage({ channel: 'C100', text: 'card', blocks: [section('Enforce?')] });
    const url = fake.state.newResponseUrl({ channel: 'C100', user: 'U001', messageTs: card.ts as string });
    await postTo(url, { replace_original: true, text: 'enforcing', blocks: [section('Enforcing…')] });
    const replaced = fake.message('C100', card.ts as string);
    await postTo(url, { delete_original: true });
    expect(replaced).toMatchObject({ text: 'enforcing', blocks: [section('Enforcing…')] });
    expect(fake.messagesIn('C100')).toEqual([]);
  });

  it('refuses a body without text or blocks without using the URL up', async () => {
    const url = fake.state.newResponseUrl({ channel: 'C100', user: 'U001' });
    const refused = await postTo(url, { response_type: 'in_channel' });
    expect(refused).toEqual({ status: 400, body: { ok: false, error: 'no_text' } });
    expect(fake.calls('response_url')).toMatchObject([{ status: 400, error: 'no_text' }]);
  });
});
