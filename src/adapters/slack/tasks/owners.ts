import { isLaggard } from '../../../domain/findings/classify.js';
import type { Finding } from '../../../domain/findings/model.js';
import type { OwnerRoute } from '../../../domain/findings/owner-route.js';
import { bold, channel, code, join, type Mrkdwn, md, section, user } from '../text.js';
import { ephemeral, type ResponseMessage } from '../web.js';
import type { TaskContext } from './context.js';

const MAX_LINES = 60;

export function routeText(route: OwnerRoute | undefined): Mrkdwn {
  if (!route) return md`security channel (no owner tag)`;
  if (route.kind === 'user') return md`${user(route.userId)} (DM)`;
  if (route.kind === 'channel') return channel(route.channelId);
  return md`security channel: ${route.reason}`;
}

/** Laggards of the latest scans grouped by owner tag value, with where each owner's digest goes. */
export async function laggardsByOwner(
  ctx: Pick<TaskContext, 'findings'>,
): Promise<Map<string | null, Finding[]>> {
  const snapshots = await ctx.findings.latestSnapshots();
  const byOwner = new Map<string | null, Finding[]>();
  for (const s of snapshots) {
    for (const f of s.findings) {
      if (!isLaggard(f)) continue;
      const list = byOwner.get(f.owner) ?? [];
      list.push(f);
      byOwner.set(f.owner, list);
    }
  }
  return byOwner;
}

/** `/imds owners`: who owns the laggards, and whether the bot can reach them. */
export async function ownersMessage(ctx: TaskContext): Promise<ResponseMessage> {
  const byOwner = await laggardsByOwner(ctx);
  if (byOwner.size === 0) return ephemeral(md`No laggards in the latest scans: nobody to chase.`);
  const refs = [...byOwner].flatMap(([owner, fs]) =>
    owner && fs[0]?.ownerTag ? [{ owner, ownerTag: fs[0].ownerTag }] : [],
  );
  const routes = await ctx.directory.resolveMany(refs);
  const rows = [...byOwner].sort((a, b) => b[1].length - a[1].length);
  const lines = rows
    .slice(0, MAX_LINES)
    .map(
      ([owner, fs]) =>
        md`• ${owner ?? md`_(unowned)_`}: ${fs.length} laggard(s) → ${routeText(owner ? routes.get(owner) : undefined)}`,
    );
  if (rows.length > MAX_LINES)
    lines.push(
      md`…and ${rows.length - MAX_LINES} more owners (${code('imds-bot report --format csv')} lists every instance).`,
    );
  const unrouted = rows.filter(([owner]) => !owner || routes.get(owner)?.kind === 'unrouted').length;
  const header = md`${bold(md`${rows.length} owners`)} hold laggards; ${unrouted} of them cannot be reached directly (their digests go to the security channel).`;
  const blocks = [header, ...chunk(lines, 25).map((c) => join(c, '\n'))].map(section);
  return ephemeral(md`${rows.length} owners hold laggards`, blocks);
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
