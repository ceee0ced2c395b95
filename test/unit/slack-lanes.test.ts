import { describe, expect, it } from 'vitest';
import { laneOf } from '../../src/adapters/slack/tasks/lanes.js';
import type { SlackTask } from '../../src/adapters/slack/tasks/schema.js';

const user = { id: 'U1', name: 'u' };
const where = { channelId: 'C1', responseUrl: 'https://hooks.slack.com/x' };
const command = (c: Extract<SlackTask, { kind: 'command' }>['command']): SlackTask => ({
  kind: 'command',
  command: c,
  text: c.name,
  user,
  ...where,
});

describe('laneOf: what a person waits for never queues behind long work', () => {
  it.each<[string, SlackTask, 'interactive' | 'long']>([
    [
      'status',
      command({ name: 'status', args: { target: { kind: 'account', accountId: '123456789012' } } }),
      'interactive',
    ],
    ['audit', command({ name: 'audit', args: { target: null } }), 'interactive'],
    ['scan', command({ name: 'scan', args: { accountId: null, region: null } }), 'long'],
    ['report', command({ name: 'report', args: {} }), 'long'],
    ['owners', command({ name: 'owners', args: {} }), 'long'],
    [
      'an approval',
      { kind: 'cr-decision', action: 'approve', requestId: 'cr-1', user, ...where },
      'interactive',
    ],
    ['the Home tab', { kind: 'home', userId: 'U1' }, 'interactive'],
    [
      'enforce-ready',
      command({ name: 'enforce-ready', args: { accountId: '123456789012', owner: null } }),
      'long',
    ],
    [
      'fix-default',
      command({ name: 'fix-default', args: { accountId: '123456789012', region: 'eu-west-1' } }),
      'interactive',
    ],
    ['a digest', { kind: 'digest', trigger: { kind: 'schedule', by: null }, onlyRegressions: false }, 'long'],
    ['rejection alerts', { kind: 'rejections', items: [] }, 'long'],
  ])('%s', (_what, task, lane) => {
    expect(laneOf(task)).toBe(lane);
  });
});
