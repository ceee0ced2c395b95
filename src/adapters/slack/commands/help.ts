import { code } from '../text.js';
import { SUBCOMMANDS, type SubcommandName } from './schema.js';

/** The `/imds help` text and the usage line of each subcommand. */

const HELP: Record<SubcommandName, { args: string; summary: string }> = {
  scan: { args: '[account-id] [region]', summary: 'scan now: everything, one account, one region, or both' },
  status: { args: '<instance-id|account-id>', summary: 'IMDS status of one instance or one account' },
  report: { args: '', summary: 'migration progress across the organization' },
  owners: { args: '', summary: 'laggards per owner, and instances with no owner' },
  help: { args: '[subcommand]', summary: 'this list, or the usage of one subcommand' },
  snooze: {
    args: '<instance-id> <duration> <reason…>',
    summary: 'mute an instance, e.g. `snooze i-0123abcd 3d migrating`',
  },
  enforce: {
    args: '<instance-id> [reason…]',
    summary: 'request IMDSv2-only for an instance (needs an approver)',
  },
  rollback: {
    args: '<instance-id | cr-id> <reason…>',
    summary: 'request IMDSv1 back for an enforced instance, or for every instance of a bulk request',
  },
  audit: { args: '[instance-id|@user]', summary: 'recent changes, for an instance or a person' },
  ack: { args: '<instance-id> [note…]', summary: 'acknowledge a finding: you own it and are on it' },
  'enforce-ready': {
    args: '<account-id> [@owner] [--env nonprod]',
    summary:
      'one request to enforce every ready instance (of that owner; only non-production ones with `--env nonprod`) in the account',
  },
  'fix-template': {
    args: '<account-id> <region> <lt-id>',
    summary: 'a launch-template version requiring IMDSv2, made the default',
  },
  'fix-default': {
    args: '<account-id> <region>',
    summary: 'new instances in that account and region require IMDSv2',
  },
  guardrails: {
    args: '[account-id]',
    summary:
      'what keeps IMDSv1 coming back: defaults, templates, AMIs, organization policies, with Fix buttons',
  },
  refresh: {
    args: '<asg-name> <account-id> <region>',
    summary:
      "replace a group's instances from its fixed launch template (instance refresh, needs an approver)",
  },
  'find-caller': {
    args: '<instance-id>',
    summary:
      'find which process makes the IMDSv1 calls: a read-only script runs on the instance through SSM (needs an approver)',
  },
};

/** The usage line of a subcommand, plain text: `code(usage(name))` puts it into mrkdwn. */
export function usage(name: SubcommandName, slashCommand = '/imds'): string {
  const { args } = HELP[name];
  return args === '' ? `${slashCommand} ${name}` : `${slashCommand} ${name} ${args}`;
}

/** mrkdwn: one line per subcommand, or the usage and summary of one. */
export function helpText(topic: SubcommandName | null = null, slashCommand = '/imds'): string {
  const line = (n: SubcommandName) => `• ${code(usage(n, slashCommand)).text}: ${HELP[n].summary}`;
  if (topic !== null) return line(topic);
  const lines = SUBCOMMANDS.map(line);
  return [`*\`${slashCommand}\` commands*`, ...lines, 'Durations: 30m, 12h, 3d, 2w.'].join('\n');
}
