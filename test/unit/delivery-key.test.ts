import { describe, expect, it } from 'vitest';
import {
  blockActionsPayload,
  eventCallbackPayload,
  slashCommandPayload,
  viewSubmissionPayload,
} from '../../sandbox/slack/payloads.js';
import { deliveryKey } from '../../src/adapters/slack/once.js';

const click = (user: string, ts: string, action_ts?: string) =>
  blockActionsPayload({
    user: { id: user },
    actions: [{ action_id: 'imds_cr_approve', value: 'cr-1', ...(action_ts ? { action_ts } : {}) }],
    channel: { id: 'C1' },
    message: { ts },
  });

describe('deliveryKey: what Slack makes unique about one delivery', () => {
  it.each([
    [
      'a slash command',
      slashCommandPayload({ user_id: 'U1', channel_id: 'C1', trigger_id: '1.2.t' }),
      'trigger:U1:1.2.t',
    ],
    [
      'a modal submission',
      viewSubmissionPayload({ user: { id: 'U1' }, trigger_id: '3.4.t', view: { callback_id: 'x' } }),
      'trigger:U1:3.4.t',
    ],
    ['an event', eventCallbackPayload({ type: 'app_home_opened' }, { event_id: 'Ev1' }), 'event:Ev1'],
    ['a click', click('U1', '100.1', '200.000001'), 'action:U1:C1:100.1:imds_cr_approve@200.000001'],
    ['something else', { type: 'url_verification', challenge: 'x' }, null],
  ])('%s', (_what, body, key) => {
    expect(deliveryKey(body)).toBe(key);
  });

  it('tells apart clicks by another user, on another message, or at another moment', () => {
    const keys = [
      click('U1', '1.1', '5.1'),
      click('U2', '1.1', '5.1'),
      click('U1', '1.2', '5.1'),
      click('U1', '1.1', '5.2'),
    ].map(deliveryKey);
    expect(new Set(keys).size).toBe(4);
  });
});
