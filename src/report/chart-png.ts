import type { Buffer } from 'node:buffer';
import { drawText, GLYPH_HEIGHT, textWidth } from './font.js';
import { Raster, type Rect, type Rgb } from './png.js';

export type TrendPoint = { t: Date; v: number };

export interface TrendSeries {
  label: string;
  color: Rgb;
  points: readonly TrendPoint[];
}

export interface TrendChartInput {
  title: string;
  series: readonly TrendSeries[];
  yLabel?: string | undefined;
  /** top of the y axis; values above it are clipped at the plot's top edge */
  yMax?: number | undefined;
  width?: number | undefined;
  height?: number | undefined;
}

export type Tick = { at: number; label: string };

export type LegendItem = { x: number; y: number; label: string; color: Rgb };

/** Where everything goes; exported so tests can find a series' pixels. */
export interface ChartLayout {
  width: number;
  height: number;
  plot: Rect;
  legend: LegendItem[];
  yTicks: Tick[];
  xTicks: Tick[];
  series: { color: Rgb; points: { t: number; v: number }[] }[];
  empty: boolean;
  toX: (t: number) => number;
  toY: (v: number) => number;
}

const WHITE: Rgb = [255, 255, 255];
const AXIS: Rgb = [68, 68, 68];
const GRID: Rgb = [228, 228, 228];
const TEXT: Rgb = [34, 34, 34];
const MUTED: Rgb = [120, 120, 120];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TIME_STEPS = [1, 2, 3, 6, 12, 24, 48, 168, 336, 672, 1344, 2184, 4368, 8736].map((h) => h * HOUR);
const PAD = 10;
const LEGEND_TOP = 34; // below the scale-2 title (14 px tall, from y = 10)
const LEGEND_ROW = 14;
const SWATCH = 10;
const X_INSET = 8; // first and last points stay off the y axis
const MIN_SIZE = [160, 120] as const;
const MAX_SIZE = 4096;

const niceStep = (raw: number): number => {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
};

/** Labels ticks with the decimals their step needs, 12000 as 12k and 3e6 as 3M; zero is always '0'. */
function tickLabeller(step: number, lo: number, hi: number): (at: number) => string {
  const big = Math.max(Math.abs(lo), Math.abs(hi));
  const [div, suffix] = big >= 1e6 ? [1e6, 'M'] : big >= 1e4 ? [1e3, 'k'] : [1, ''];
  const decimals = Math.max(0, -Math.floor(Math.log10(step / div) + 1e-9));
  return (at) => (at === 0 ? '0' : `${(at / div).toFixed(decimals)}${suffix}`);
}

/**
 * Round ticks (steps of 1, 2 or 5 × 10^k), about `maxTicks` of them, from min(0, data) up to yMax,
 * or just past the data's maximum.
 */
export function yTicks(
  values: readonly number[],
  yMax?: number,
  maxTicks = 6,
): { lo: number; hi: number; ticks: Tick[] } {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (yMax !== undefined) hi = yMax;
  if (hi <= lo) hi = lo + 1;
  // counts (all integers) never get fractional ticks
  const step = Math.max(
    niceStep((hi - lo) / Math.max(1, maxTicks - 1)),
    values.every(Number.isInteger) ? 1 : 0,
  );
  lo = Math.floor(lo / step) * step;
  if (yMax === undefined) hi = Math.ceil(hi / step) * step;
  const label = tickLabeller(step, lo, hi);
  const ticks: Tick[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++)
    ticks.push({ at: lo + i * step, label: label(lo + i * step) });
  return { lo, hi, ticks };
}

const two = (n: number): string => String(n).padStart(2, '0');

/** UTC-aligned time ticks, at most `maxTicks`, labelled MM-DD (HH:MM between midnights when steps are hours). */
export function timeTicks(t0: number, t1: number, maxTicks: number): Tick[] {
  const span = t1 - t0;
  const years = Math.ceil(span / Math.max(1, maxTicks - 1) / (364 * DAY));
  const step = TIME_STEPS.find((s) => Math.floor(span / s) + 1 <= maxTicks) ?? years * 364 * DAY;
  const ticks: Tick[] = [];
  for (let at = Math.ceil(t0 / step) * step; at <= t1; at += step) {
    const d = new Date(at);
    const midnight = at % DAY === 0;
    const label =
      midnight || step >= DAY
        ? `${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`
        : `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
    ticks.push({ at, label });
  }
  return ticks;
}

function cleanSeries(series: readonly TrendSeries[]): ChartLayout['series'] {
  return series.map((s) => ({
    color: s.color,
    points: s.points
      .map((p) => ({ t: p.t.getTime(), v: p.v }))
      .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v))
      .sort((a, b) => a.t - b.t),
  }));
}

function legendItems(series: readonly TrendSeries[], left: number, right: number): LegendItem[] {
  const items: LegendItem[] = [];
  let x = left;
  let y = LEGEND_TOP;
  for (const s of series) {
    const w = SWATCH + 5 + textWidth(s.label);
    if (x > left && x + w > right) {
      x = left;
      y += LEGEND_ROW;
    }
    items.push({ x, y, label: s.label, color: s.color });
    x += w + 18;
  }
  return items;
}

/** [start, end] of the time axis: the data's span, widened to at least a day so a date tick shows. */
function timeDomain(series: ChartLayout['series']): [number, number] {
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    const first = s.points[0];
    const last = s.points[s.points.length - 1];
    if (first) t0 = Math.min(t0, first.t);
    if (last) t1 = Math.max(t1, last.t);
  }
  if (t0 > t1) return [0, DAY];
  const widen = Math.max(0, DAY - (t1 - t0)) / 2;
  return [t0 - widen, t1 + widen];
}

function checkSize(width: number, height: number): void {
  const ok = (v: number, min: number) => Number.isInteger(v) && v >= min && v <= MAX_SIZE;
  if (!ok(width, MIN_SIZE[0]) || !ok(height, MIN_SIZE[1]))
    throw new RangeError(`chart size ${width}x${height} outside ${MIN_SIZE.join('x')}..${MAX_SIZE}`);
}

export function chartLayout(input: TrendChartInput): ChartLayout {
  const width = input.width ?? 800;
  const height = input.height ?? 400;
  checkSize(width, height);
  const series = cleanSeries(input.series);
  const right = width - 16;
  const legend = legendItems(input.series, PAD, right);
  const legendBottom = (legend.at(-1)?.y ?? LEGEND_TOP - LEGEND_ROW) + LEGEND_ROW;
  const bottom = height - 26;
  const top = Math.min(legendBottom + (input.yLabel ? 20 : 10), bottom - 10);
  const values = series.flatMap((s) => s.points.map((p) => p.v));
  const y = yTicks(values, input.yMax, Math.min(6, Math.floor((bottom - top) / 28) + 1));
  const left = PAD + Math.max(...y.ticks.map((t) => textWidth(t.label)), 12) + 8;
  const plot = { x: left, y: top, w: right - left, h: bottom - top };
  const [t0, t1] = timeDomain(series);
  const toX = (t: number) => plot.x + X_INSET + ((t - t0) / (t1 - t0)) * (plot.w - 1 - 2 * X_INSET);
  const toY = (v: number) => plot.y + plot.h - 1 - ((v - y.lo) / (y.hi - y.lo)) * (plot.h - 1);
  const empty = series.every((s) => s.points.length === 0);
  const xTicks = empty ? [] : timeTicks(t0, t1, Math.max(2, Math.floor(plot.w / 64)));
  return { width, height, plot, legend, yTicks: y.ticks, xTicks, series, empty, toX, toY };
}

function drawAxes(r: Raster, l: ChartLayout): void {
  const { plot } = l;
  for (const tick of l.yTicks) {
    const y = Math.round(l.toY(tick.at));
    r.fillRect(plot.x, y, plot.w, 1, GRID);
    drawText(r, plot.x - 6 - textWidth(tick.label), y - 3, tick.label, TEXT);
  }
  r.fillRect(plot.x - 1, plot.y, 1, plot.h + 1, AXIS);
  r.fillRect(plot.x - 1, plot.y + plot.h, plot.w + 1, 1, AXIS);
  for (const tick of l.xTicks) {
    const x = Math.round(l.toX(tick.at));
    r.fillRect(x, plot.y + plot.h + 1, 1, 4, AXIS);
    drawText(r, x - Math.floor(textWidth(tick.label) / 2), plot.y + plot.h + 8, tick.label, TEXT);
  }
}

function drawSeries(r: Raster, l: ChartLayout): void {
  r.clip = { x: l.plot.x, y: l.plot.y - 3, w: l.plot.w, h: l.plot.h + 3 };
  for (const s of l.series) {
    const xy = s.points.map((p) => [l.toX(p.t), l.toY(p.v)] as const);
    for (let i = 1; i < xy.length; i++) {
      const [a, b] = [xy[i - 1], xy[i]];
      if (a && b) r.line(a[0], a[1], b[0], b[1], s.color, 2);
    }
    if (xy.length > l.plot.w / 6) continue; // too dense for markers: they would merge into a band
    for (const [x, y] of xy) {
      const [cx, cy] = [Math.round(x), Math.round(y)];
      r.fillRect(cx - 3, cy - 2, 5, 3, s.color);
      r.fillRect(cx - 2, cy - 3, 3, 5, s.color);
    }
  }
  r.clip = null;
}

function drawLabels(r: Raster, l: ChartLayout, input: TrendChartInput): void {
  const titleX = Math.max(PAD, Math.floor((l.width - textWidth(input.title, 2)) / 2));
  drawText(r, titleX, 10, input.title, TEXT, 2);
  for (const item of l.legend) {
    r.fillRect(item.x, item.y, SWATCH, SWATCH, item.color);
    drawText(r, item.x + SWATCH + 5, item.y + 2, item.label, TEXT);
  }
  if (input.yLabel) drawText(r, PAD, l.plot.y - 12 - GLYPH_HEIGHT, input.yLabel, MUTED);
  if (!l.empty) return;
  const msg = 'no data yet';
  const cx = l.plot.x + Math.floor((l.plot.w - textWidth(msg, 2)) / 2);
  drawText(r, cx, l.plot.y + Math.floor((l.plot.h - 14) / 2), msg, MUTED, 2);
}

/**
 * A trend chart as a PNG (800x400 by default): title, legend, y grid with round ticks, MM-DD time
 * ticks (UTC), one 2-px polyline with point markers per series. Pure and deterministic: the same
 * input gives the same bytes.
 */
export function renderTrendChart(input: TrendChartInput): Buffer {
  const layout = chartLayout(input);
  const r = new Raster(layout.width, layout.height, WHITE);
  drawAxes(r, layout);
  drawSeries(r, layout);
  drawLabels(r, layout, input);
  return r.toPng();
}
