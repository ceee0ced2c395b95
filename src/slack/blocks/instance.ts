import type { ActionsBlock, Button, SectionBlock } from '@slack/types';
import type { Finding } from '../../domain/model.js';
import { ago, count, mrkdwn, plain, safeText } from './common.js';

/**
 * The blocks of one instance in a digest: a section describing it and a row of buttons. Button
 * values carry only the caller's opaque id, never instance data.
 */

export const DIGEST_ACTIONS = ['enforce', 'snooze', 'ack'] as const;
export type DigestAction = (typeof DIGEST_ACTIONS)[number];

/** action_id prefixes; a listener matches `new RegExp(`^${ACTION_ID_PREFIX.enforce}_\\d+$`)`. */
export const ACTION_ID_PREFIX = {
  enforce: 'imds_enforce',
  snooze: 'imds_snooze',
  ack: 'imds_ack',
  console: 'imds_console',
} as const;

export interface InstanceContext {
  now: Date;
  /** e.g. 'https://{region}.console.amazonaws-us-gov.com'; default the commercial console */
  consoleBaseUrl?: string;
  regressed: boolean;
  buttonValue: (finding: Finding, action: DigestAction) => string;
}

const NAME_MAX = 80;
const DEFAULT_CONSOLE = 'https://{region}.console.aws.amazon.com';

export function consoleUrl(f: Finding, base: string = DEFAULT_CONSOLE): string {
  const region = encodeURIComponent(f.region);
  const root = base.replace(/\/+$/, '').replace(/\{region\}/g, region);
  return `${root}/ec2/home?region=${region}#InstanceDetails:instanceId=${encodeURIComponent(f.instanceId)}`;
}

export const READINESS_LABEL: Record<string, string> = {
  ready: 'Ready to enforce',
  'in-use': 'Still using IMDSv1',
  unknown: 'No usage data',
};

function usageLine(f: Finding, now: Date): string | null {
  if (f.readiness !== 'in-use' || f.usage === null) return null;
  const seen = f.usage.lastSeen === null ? '' : `, last seen ${ago(f.usage.lastSeen, now)}`;
  return `${count(f.usage.noTokenCalls, 'IMDSv1 call')} in the window${seen}`;
}

const riskLine = (f: Finding): string | null => {
  const flags = [f.risk.prod && 'production', f.risk.publicIp && 'public IP', f.risk.iamRole && 'IAM role'];
  const shown = flags.filter((x): x is string => typeof x === 'string');
  return shown.length === 0 ? null : `Risk: ${shown.join(' · ')}`;
};

function templateLine(f: Finding): string | null {
  const asg = `ASG \`${safeText(f.asg ?? 'unknown', NAME_MAX)}\``;
  const lt = f.launchTemplate === null ? '' : ` \`${safeText(f.launchTemplate.id, NAME_MAX)}\``;
  switch (f.templateRisk) {
    case 'asg-unfixed-template':
      return `:warning: ${asg}: next replacement undoes a fix: fix the launch template${lt}`;
    case 'asg-fixed-template':
      return `${asg}: its launch template requires IMDSv2, so a replacement fixes this instance`;
    case 'asg-no-template':
      return `:warning: ${asg} has no launch template: move it to one that requires IMDSv2`;
    default:
      return null;
  }
}

function containerLine(f: Finding): string | null {
  const host = f.risk.containerHost;
  if (host === null) return null;
  const kind = host.toUpperCase();
  if (f.hopLimit >= 2) return `${kind} container host: hop limit ${f.hopLimit} lets containers reach IMDSv2`;
  return `:warning: ${kind} container host with hop limit ${f.hopLimit}: set it to 2 before enforcing, or containers lose IMDS`;
}

export function instanceSection(f: Finding, ctx: InstanceContext): SectionBlock {
  const name = f.name === null || f.name.trim() === '' ? '_no Name tag_' : `*${safeText(f.name, NAME_MAX)}*`;
  const lines = [
    `${name}  \`${safeText(f.instanceId, NAME_MAX)}\``,
    `Account \`${safeText(f.accountId, 20)}\` · ${safeText(f.region, 30)} · ${READINESS_LABEL[f.readiness] ?? f.readiness}`,
    usageLine(f, ctx.now),
    riskLine(f),
    templateLine(f),
    containerLine(f),
    ctx.regressed ? ':rewind: Regressed: it required IMDSv2 at the previous scan' : null,
  ];
  return { type: 'section', text: mrkdwn(lines.filter((l) => l !== null).join('\n')) };
}

const button = (text: string, actionId: string, extra: Partial<Button>): Button => ({
  type: 'button',
  text: plain(text, 75),
  action_id: actionId,
  ...extra,
});

/** `n` makes the action_ids unique within the message. */
export function instanceActions(f: Finding, n: number, ctx: InstanceContext): ActionsBlock {
  const value = (action: DigestAction) => ctx.buttonValue(f, action);
  return {
    type: 'actions',
    elements: [
      button('Enforce', `${ACTION_ID_PREFIX.enforce}_${n}`, { style: 'primary', value: value('enforce') }),
      button('Snooze', `${ACTION_ID_PREFIX.snooze}_${n}`, { value: value('snooze') }),
      button('Acknowledge', `${ACTION_ID_PREFIX.ack}_${n}`, { value: value('ack') }),
      button('View in console', `${ACTION_ID_PREFIX.console}_${n}`, {
        url: consoleUrl(f, ctx.consoleBaseUrl),
      }),
    ],
  };
}
