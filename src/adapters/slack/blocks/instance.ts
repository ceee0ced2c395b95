import type { ActionsBlock, Button, SectionBlock } from '@slack/types';
import type { Finding } from '../../../domain/findings/model.js';
import { type DigestAction, digestActionId } from '../actions.js';
import { bold, capped, code, count, lines, type Mrkdwn, md, plainText, section } from '../text.js';
import { amiLine } from './ami.js';
import { ago } from './common.js';
import { digestFixLine } from './fix.js';

/**
 * The blocks of one instance in a digest: a section describing it and a row of buttons. Button
 * values carry only the caller's opaque id, never instance data.
 */

export interface InstanceContext {
  now: Date;
  /** e.g. 'https://{region}.console.amazonaws-us-gov.com'; default the commercial console */
  consoleBaseUrl?: string;
  regressed: boolean;
  buttonValue: (finding: Finding, action: DigestAction) => string;
  /** the workflow lets owners and security ask to find the IMDSv1 caller (fixes.findCaller) */
  findCaller?: boolean;
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

function usageLine(f: Finding, now: Date): Mrkdwn | null {
  if (f.readiness !== 'in-use' || f.usage === null) return null;
  const calls = count(f.usage.noTokenCalls, 'IMDSv1 call');
  return f.usage.lastSeen === null
    ? md`${calls} in the window`
    : md`${calls} in the window, last seen ${ago(f.usage.lastSeen, now)}`;
}

const riskLine = (f: Finding): Mrkdwn | null => {
  const flags = [f.risk.prod && 'production', f.risk.publicIp && 'public IP', f.risk.iamRole && 'IAM role'];
  const shown = flags.filter((x): x is string => typeof x === 'string');
  return shown.length === 0 ? null : md`Risk: ${shown.join(' · ')}`;
};

function templateLine(f: Finding): Mrkdwn | null {
  const asg = md`ASG ${code(f.asg ?? 'unknown', NAME_MAX)}`;
  const lt = f.launchTemplate === null ? md`` : md` ${code(f.launchTemplate.id, NAME_MAX)}`;
  switch (f.templateRisk) {
    case 'asg-unfixed-template':
      return md`:warning: ${asg}: next replacement undoes a fix: fix the launch template${lt}`;
    case 'asg-fixed-template':
      return md`${asg}: its launch template requires IMDSv2, so a replacement fixes this instance`;
    case 'asg-no-template':
      return md`:warning: ${asg} has no launch template: move it to one that requires IMDSv2`;
    default:
      return null;
  }
}

function containerLine(f: Finding): Mrkdwn | null {
  const host = f.risk.containerHost;
  if (host === null) return null;
  const kind = host.toUpperCase();
  if (f.hopLimit >= 2)
    return md`${kind} container host: hop limit ${f.hopLimit} lets containers reach IMDSv2`;
  return md`:warning: ${kind} container host with hop limit ${f.hopLimit}: set it to 2 before enforcing, or containers lose IMDS`;
}

export function instanceSection(f: Finding, ctx: InstanceContext): SectionBlock {
  const name = f.name === null || f.name.trim() === '' ? md`_no Name tag_` : bold(capped(f.name, NAME_MAX));
  const readiness = READINESS_LABEL[f.readiness] ?? f.readiness;
  return section(
    lines(
      md`${name}  ${code(f.instanceId, NAME_MAX)}`,
      md`Account ${code(f.accountId, 20)} · ${capped(f.region, 30)} · ${readiness}`,
      usageLine(f, ctx.now),
      digestFixLine(f),
      riskLine(f),
      templateLine(f),
      amiLine(f),
      containerLine(f),
      ctx.regressed ? md`:rewind: Regressed: it required IMDSv2 at the previous scan` : null,
    ),
  );
}

const button = (text: string, actionId: string, extra: Partial<Button>): Button => ({
  type: 'button',
  text: plainText(text, 75),
  action_id: actionId,
  ...extra,
});

/** `n` makes the action_ids unique within the message. */
export function instanceActions(f: Finding, n: number, ctx: InstanceContext): ActionsBlock {
  const value = (action: DigestAction) => ctx.buttonValue(f, action);
  return {
    type: 'actions',
    elements: [
      button('Enforce', digestActionId('enforce', n), { style: 'primary', value: value('enforce') }),
      button('Snooze', digestActionId('snooze', n), { value: value('snooze') }),
      button('Acknowledge', digestActionId('ack', n), { value: value('ack') }),
      ...(ctx.findCaller === true && f.readiness === 'in-use'
        ? [button('Find the caller', digestActionId('find-caller', n), { value: value('find-caller') })]
        : []),
      button('View in console', digestActionId('console', n), {
        url: consoleUrl(f, ctx.consoleBaseUrl),
      }),
    ],
  };
}
