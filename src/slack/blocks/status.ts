import type { Finding } from '../../domain/model.js';
import type { RollupRow } from '../../domain/summary.js';
import { consoleUrl } from './instance.js';

const READINESS_TEXT: Record<Finding['readiness'], string> = {
  compliant: ':white_check_mark: requires IMDSv2 (compliant)',
  'imds-disabled': ':no_entry_sign: instance metadata disabled (not a laggard)',
  ready: ':large_green_circle: accepts IMDSv1, no IMDSv1 calls in the window: ready to enforce',
  'in-use': ':red_circle: accepts IMDSv1 and still uses it: fix the software first',
  unknown: ':white_circle: accepts IMDSv1; CloudWatch cannot tell yet (no data, or younger than the window)',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `/imds status i-…`: everything the bot knows about one instance. */
export function instanceStatusMessage(f: Finding, scannedAt: string | null) {
  const usage = f.usage
    ? f.usage.noTokenCalls > 0
      ? `${f.usage.noTokenCalls} IMDSv1 calls, last ${f.usage.lastSeen ?? '?'}`
      : `no IMDSv1 calls (${f.usage.datapoints} datapoints)`
    : 'not queried';
  const hints = [
    f.risk.prod && 'prod',
    f.risk.publicIp && 'public IP',
    f.risk.iamRole && 'IAM role',
    f.risk.containerHost && `${f.risk.containerHost} host (hop limit ≥ 2 needed)`,
  ].filter(Boolean);
  const template =
    f.templateRisk === 'asg-unfixed-template'
      ? `:warning: in ASG *${esc(f.asg ?? '')}*, whose launch template does not require IMDSv2: the next replacement undoes a fix`
      : f.asg
        ? `in ASG *${esc(f.asg)}* (${f.templateRisk ?? 'template unknown'})`
        : 'not in an Auto Scaling group';
  const lines = [
    `*${esc(f.name ?? f.instanceId)}* \`${f.instanceId}\` — ${f.accountId} / ${f.region} — ${f.state}`,
    READINESS_TEXT[f.readiness],
    `HttpTokens \`${f.httpTokens}\`, endpoint \`${f.httpEndpoint}\`, hop limit ${f.hopLimit}, metadata state ${f.metadataState}`,
    `IMDSv1 use: ${usage}`,
    `Owner: ${f.owner ? `${esc(f.owner)} (tag ${esc(f.ownerTag ?? '')})` : 'unowned'}${hints.length ? ` — risk: ${hints.join(', ')}` : ''}`,
    template,
  ];
  return {
    text: `${f.instanceId}: ${f.readiness}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `Last scanned ${scannedAt ?? 'never'} · <${consoleUrl(f)}|open in the AWS console>`,
          },
        ],
      },
    ],
  };
}

/** `/imds status <account>`: the account by region. */
export function accountStatusMessage(accountId: string, rows: RollupRow[]) {
  if (rows.length === 0) return { text: `No scan has seen account ${accountId} yet.` };
  const lines = rows.map(
    (r) =>
      `• *${r.key}*: ${r.instances} instances, ${r.laggards} laggards (ready ${r.byReadiness.ready}, in use ${r.byReadiness['in-use']}, unknown ${r.byReadiness.unknown}), ${r.percentCompliant}% compliant`,
  );
  const text = `*Account ${accountId}*\n${lines.join('\n')}`.slice(0, 2900);
  return { text: `Account ${accountId}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
