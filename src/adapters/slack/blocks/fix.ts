import type { SectionBlock } from '@slack/types';
import type { Finding } from '../../../domain/findings/model.js';
import { findingFix, inlineSnippet, TOOL_LABEL } from '../../../domain/fixes/advice.js';
import { IMDSV2_MINIMUMS, minimumLine } from '../../../domain/fixes/versions.js';
import { render } from '../render.js';
import { bold, code, codeBlock, join, lines, link, type Mrkdwn, md, section } from '../text.js';

/**
 * "Fix the software first", made concrete: the IaC change for the resource as it was launched (rule
 * in src/domain/fixes/advice.ts), its hop limit, and the oldest SDK / agent releases that speak
 * IMDSv2 (src/domain/fixes/versions.ts, with the AWS page they come from). Snippets are the bot's
 * own text; tag keys and names shown beside them are AWS's and go through md/code.
 */

const LAGGARD = new Set<Finding['readiness']>(['ready', 'in-use', 'unknown']);

/** Software that still calls IMDSv1 is worth naming: in use, or not known. */
const needsSoftware = (f: Finding): boolean => f.readiness === 'in-use' || f.readiness === 'unknown';

/** A digest row's fix line for an in-use instance: the most likely tool's change, in one line. */
export function digestFixLine(f: Finding): Mrkdwn | null {
  if (f.readiness !== 'in-use') return null;
  const fix = findingFix(f);
  const first = fix.fixes[0];
  if (first === undefined) return null;
  const more =
    fix.fixes.length > 1
      ? md` (or ${join(
          fix.fixes.slice(1).map((x) => TOOL_LABEL[x.tool]),
          ', ',
        )})`
      : md``;
  return md`:wrench: Fix in ${TOOL_LABEL[first.tool]}${more}: ${code(first.resource, 40)} ${code(inlineSnippet(first.tool, fix.hopLimit), 120)} · SDK and agent versions: ${code(`/imds status ${f.instanceId}`, 40)}`;
}

const sourceLabel = (url: string): string => {
  const u = new URL(url);
  if (u.hostname === 'docs.aws.amazon.com') return 'EC2 User Guide: Use a supported AWS SDK';
  return `${u.pathname.split('/')[2] ?? u.hostname} release notes`;
};

/** The oldest releases that speak IMDSv2, cited. */
export function minimumsSection(): SectionBlock {
  const sources = [...new Set(IMDSV2_MINIMUMS.map((m) => m.source))];
  const cite = join(
    sources.map((s) => link(s, sourceLabel(s))),
    ' · ',
  );
  return section(
    lines(
      bold('Update the software that calls IMDS to at least:'),
      ...IMDSV2_MINIMUMS.map((m) => md`• ${minimumLine(m)}`),
      md`Sources: ${cite}`,
    ),
  );
}

/** `/imds status` of a laggard: what to change and why this, then the snippets, then the versions. */
export function fixBlocks(f: Finding): SectionBlock[] {
  if (!LAGGARD.has(f.readiness)) return [];
  const fix = findingFix(f);
  const why = section(
    lines(
      bold('How to fix it for good'),
      md`• ${fix.rollout}`,
      md`• Resource: ${render(fix.resourceBecause)}`,
      md`• Tool: ${render(fix.toolBecause)}`,
      fix.hopBecause === null
        ? md`• Hop limit ${fix.hopLimit}: not a container host, so it keeps the one it has`
        : md`• ${render(fix.hopBecause)}`,
    ),
  );
  const snippets = fix.fixes.map((x) =>
    section(md`${bold(TOOL_LABEL[x.tool])} ${code(x.resource, 60)}\n${codeBlock(x.snippet)}`),
  );
  return [why, ...snippets, ...(needsSoftware(f) ? [minimumsSection()] : [])];
}
