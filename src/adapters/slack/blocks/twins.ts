import { type TwinSummary, twinsHeadline } from '../../../domain/fixes/twins.js';
import { code, lines, type Mrkdwn, md } from '../text.js';

const SHOWN = 5;

/**
 * `/imds report` and App Home: how many production laggards have a non-production twin enforced
 * without breakage, and the first few pairs (tag values escaped by `md`).
 */
export function twinsSummary(t: TwinSummary): Mrkdwn {
  const pairs = t.pairs
    .slice(0, SHOWN)
    .map((p) => md`• ${code(p.instanceId)} ← ${code(p.twinId)} (${p.key}=${p.value})`);
  const more =
    t.pairs.length > SHOWN
      ? md`…and ${t.pairs.length - SHOWN} more (${code('imds-bot report --format csv')})`
      : null;
  return lines(md`:seedling: ${twinsHeadline(t)}.`, ...pairs, more);
}
