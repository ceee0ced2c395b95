import { nonProdTwinsOf } from '../../../app/report/nonprod-twins.js';
import { delta, type HistoryPoint, meanTimeToRemediate, weekly } from '../../../domain/findings/kpis.js';
import type { ScanRecord } from '../../../domain/findings/scan.js';
import { percentText, rollup } from '../../../domain/findings/summary.js';
import { guardrailsView } from '../../../domain/guardrails/view.js';
import { renderTrendChart } from '../../../report/chart-png.js';
import { failedLine, partialLine } from '../blocks/coverage.js';
import { guardrailsSummary } from '../blocks/guardrails-view.js';
import { twinsSummary } from '../blocks/twins.js';
import { bold, code, lines, type Mrkdwn, md, section } from '../text.js';
import { ephemeral, type ResponseMessage } from '../web.js';
import type { TaskContext } from './context.js';

interface StoredSummary {
  percentCompliant?: number | null;
  laggards?: number;
  v1Calls?: number;
  scopes?: { scanned?: number; partial?: number; failed?: number };
}

/** A point of the trend; none for a scan that saw no instance (it has no share to plot). */
const pointOf = (r: ScanRecord): HistoryPoint | null => {
  const s = r.summary as StoredSummary;
  if (s.percentCompliant === null || s.percentCompliant === undefined) return null;
  return {
    finishedAt: r.finishedAt,
    percentCompliant: s.percentCompliant,
    laggards: s.laggards ?? 0,
    v1Calls: s.v1Calls ?? 0,
    diff: r.diff,
    mttrSeconds: r.mttrSeconds,
    remediated: r.remediated,
  };
};

/** First, what the latest scan could not read: failed scopes, then missing parts. */
function coverageLines(s: StoredSummary, last: ScanRecord): Mrkdwn[] {
  const scopes = {
    scanned: s.scopes?.scanned ?? 0,
    partial: s.scopes?.partial ?? 0,
    failed: s.scopes?.failed ?? 0,
  };
  return [failedLine(scopes, last.errors), partialLine(last.errors)].filter((l): l is Mrkdwn => l !== null);
}

const signed = (n: number | null, unit: string): Mrkdwn =>
  n === null ? md`` : md` (${n >= 0 ? '▲' : '▼'} ${Math.abs(n)}${unit} over the period)`;

/** The trend chart: % requiring IMDSv2 and laggards, one point per full scan. */
export function trendChart(points: HistoryPoint[]): Buffer {
  const at = (p: HistoryPoint) => new Date(p.finishedAt);
  return renderTrendChart({
    title: 'IMDSv2 migration',
    yLabel: '% / laggards (scaled)',
    series: [
      {
        label: '% not accepting IMDSv1',
        color: [22, 128, 60],
        points: points.map((p) => ({ t: at(p), v: p.percentCompliant })),
      },
      { label: 'laggards (% of max)', color: [200, 60, 40], points: scaled(points, (p) => p.laggards, at) },
      {
        label: 'IMDSv1 calls (% of max)',
        color: [60, 90, 200],
        points: scaled(points, (p) => p.v1Calls, at),
      },
    ],
    yMax: 100,
  });
}

function scaled(points: HistoryPoint[], pick: (p: HistoryPoint) => number, at: (p: HistoryPoint) => Date) {
  const max = Math.max(1, ...points.map(pick));
  return points.map((p) => ({ t: at(p), v: (100 * pick(p)) / max }));
}

/** The twins count reads this Slack task's audit trail and the workflow's environment tags. */
export const twinDeps = (ctx: TaskContext) => ({ audit: ctx.audit, environment: ctx.workflow.environment });

/**
 * `/imds report`: fleet KPIs from the history, by account and by owner. The answer is private, so
 * the chart goes to the asker's DM with the bot, never to the channel the command was typed in.
 */
export async function reportMessage(ctx: TaskContext, userId: string): Promise<ResponseMessage> {
  const history = (await ctx.findings.recentScans(500)).filter(
    (r) => r.workflow === ctx.workflow.name && r.filter === null,
  );
  if (history.length === 0) return ephemeral(md`No scan has finished yet: run ${code('/imds scan')} first.`);
  const sorted = [...history].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  const last = sorted[sorted.length - 1] as ScanRecord;
  const summary = last.summary as StoredSummary;
  const points = sorted.flatMap((r) => pointOf(r) ?? []);
  const percent = percentText(summary.percentCompliant ?? null);
  const coverage = coverageLines(summary, last);
  const snapshots = await ctx.findings.latestSnapshots();
  const findings = snapshots.flatMap((s) => s.findings);
  const byAccount = rollup(findings, (f) => f.accountId).slice(0, 10);
  const byOwner = rollup(findings, (f) => f.owner ?? '(unowned)')
    .filter((r) => r.laggards > 0)
    .slice(0, 10);
  const weeks = weekly(points).slice(-6);
  const mttr = meanTimeToRemediate(points);
  const kpis = lines(
    md`${bold('IMDSv2 migration')} — ${percent} of the instances seen no longer accept IMDSv1${signed(
      delta(points, (p) => p.percentCompliant),
      ' points',
    )}`,
    md`Laggards ${summary.laggards ?? 0}${signed(
      delta(points, (p) => p.laggards),
      '',
    )}; IMDSv1 calls in the window ${summary.v1Calls ?? 0}${signed(
      delta(points, (p) => p.v1Calls),
      '',
    )}`,
    md`Mean time to remediate: ${mttr === null ? 'no fixes recorded yet' : `${(mttr / 86_400).toFixed(1)} days`}`,
  );
  const table = (title: string, rows: { key: string; laggards: number; percentCompliant: number }[]) =>
    lines(
      bold(title),
      ...rows.map((r) => md`• ${r.key}: ${r.laggards} laggards, ${r.percentCompliant}% compliant`),
      rows.length === 0 && md`• none`,
    );
  const weekText = lines(
    bold('Per week (found / fixed)'),
    ...weeks.map((w) => md`• ${w.week}: ${w.found} / ${w.fixed}`),
  );
  if (points.length > 0)
    await ctx.out.add({
      kind: 'upload',
      channelId: userId,
      filename: 'imds-trend.png',
      title: 'IMDSv2 migration trend',
      base64: trendChart(points).toString('base64'),
      comment: 'IMDSv2 migration trend (from the scan history)',
    });
  const sections = [
    ...coverage,
    kpis,
    twinsSummary(await nonProdTwinsOf(twinDeps(ctx), snapshots)),
    table('By account (most laggards first)', byAccount),
    table('By owner', byOwner),
    weekText,
    guardrailsSummary(guardrailsView(snapshots, (await ctx.organization?.latest()) ?? null)),
  ];
  return ephemeral(
    md`IMDSv2 report: ${(summary.scopes?.failed ?? 0) > 0 ? 'INCOMPLETE, ' : ''}${percent} compliant (the trend chart is in your DM with imds-bot)`,
    sections.map(section),
  );
}
