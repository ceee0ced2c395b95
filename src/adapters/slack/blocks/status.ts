import { replaceWarning } from '../../../domain/change/instance-refresh.js';
import type { Finding } from '../../../domain/findings/model.js';
import type { RollupRow } from '../../../domain/findings/summary.js';
import { render } from '../render.js';
import { bold, code, context, join, lines, link, type Mrkdwn, md, notification, section } from '../text.js';
import { amiLine } from './ami.js';
import { fixBlocks } from './fix.js';
import { consoleUrl } from './instance.js';

const READINESS_TEXT: Record<Finding['readiness'], string> = {
  compliant: ':white_check_mark: requires IMDSv2 (compliant)',
  'imds-disabled': ':no_entry_sign: instance metadata disabled (not a laggard)',
  ready: ':large_green_circle: accepts IMDSv1, no IMDSv1 calls in the window: ready to enforce',
  'in-use': ':red_circle: accepts IMDSv1 and still uses it: fix the software first',
  unknown: ':white_circle: accepts IMDSv1; CloudWatch cannot tell yet (no data, or younger than the window)',
};

function usageText(f: Finding): Mrkdwn {
  if (!f.usage) return md`not queried`;
  if (f.usage.noTokenCalls > 0)
    return md`${f.usage.noTokenCalls} IMDSv1 calls, last ${f.usage.lastSeen ?? '?'}`;
  return md`no IMDSv1 calls (${f.usage.datapoints} datapoints)`;
}

function templateText(f: Finding): Mrkdwn {
  const undone = replaceWarning(f);
  if (undone) return render(undone);
  if (f.asg) return md`in ASG ${bold(f.asg)} (${f.templateRisk ?? 'template unknown'})`;
  return md`not in an Auto Scaling group`;
}

function ownerText(f: Finding): Mrkdwn {
  const hints = [
    f.risk.prod && 'prod',
    f.risk.publicIp && 'public IP',
    f.risk.iamRole && 'IAM role',
    f.risk.containerHost && `${f.risk.containerHost} host (hop limit ≥ 2 needed)`,
  ].filter((h): h is string => typeof h === 'string');
  const owner = f.owner ? md`${f.owner} (tag ${f.ownerTag ?? ''})` : md`unowned`;
  return hints.length ? md`Owner: ${owner} — risk: ${hints.join(', ')}` : md`Owner: ${owner}`;
}

/** `/imds status i-…`: everything the bot knows about one instance. */
export function instanceStatusMessage(f: Finding, scannedAt: string | null) {
  const body = lines(
    md`${bold(f.name ?? f.instanceId)} ${code(f.instanceId)} — ${f.accountId} / ${f.region} — ${f.state}`,
    md`${READINESS_TEXT[f.readiness]}`,
    md`HttpTokens ${code(f.httpTokens)}, endpoint ${code(f.httpEndpoint)}, hop limit ${f.hopLimit}, metadata state ${f.metadataState}`,
    md`IMDSv1 use: ${usageText(f)}`,
    ownerText(f),
    templateText(f),
    amiLine(f),
  );
  return {
    text: notification(md`${f.instanceId}: ${f.readiness}`),
    blocks: [
      section(body),
      ...fixBlocks(f),
      context(md`Last scanned ${scannedAt ?? 'never'} · ${link(consoleUrl(f), 'open in the AWS console')}`),
    ],
  };
}

/** `/imds status <account>`: the account by region. */
export function accountStatusMessage(accountId: string, rows: RollupRow[]) {
  if (rows.length === 0) return { text: notification(md`No scan has seen account ${accountId} yet.`) };
  const body = join(
    rows.map(
      (r) =>
        md`• ${bold(r.key)}: ${r.instances} instances, ${r.laggards} laggards (ready ${r.byReadiness.ready}, in use ${r.byReadiness['in-use']}, unknown ${r.byReadiness.unknown}), ${r.percentCompliant}% compliant`,
    ),
    '\n',
  );
  return {
    text: notification(md`Account ${accountId}`),
    blocks: [section(md`${bold(md`Account ${accountId}`)}\n${body}`)],
  };
}
