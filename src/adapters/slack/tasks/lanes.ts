import type { SlackTask } from './schema.js';

/**
 * Which queue a task waits in. Someone is looking at Slack for an interactive answer (a click, a
 * status, a request, a decision, their Home tab): it gets a lane of its own, with its own workers,
 * so long work (a scan followed to its end, a report with its chart, digests, bulk requests)
 * cannot fill every worker and keep a click waiting.
 */
export type Lane = 'interactive' | 'long';

const LONG_COMMANDS = new Set<string>(['scan', 'report', 'owners', 'enforce-ready', 'guardrails']);

export function laneOf(task: SlackTask): Lane {
  switch (task.kind) {
    case 'digest':
    case 'rejections':
      return 'long';
    case 'command':
      return LONG_COMMANDS.has(task.command.name) ? 'long' : 'interactive';
    case 'home':
    case 'card-action':
    case 'cr-decision':
    case 'cr-refresh':
    case 'snooze':
    case 'guardrail-fix':
      return 'interactive';
  }
}
