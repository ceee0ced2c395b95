import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  chartLayout,
  renderTrendChart,
  type TrendChartInput,
  type TrendPoint,
  timeTicks,
  yTicks,
} from '../../src/report/chart-png.js';
import { glyphRows, textWidth } from '../../src/report/font.js';
import { crc32, encodePng, type Rgb } from '../../src/report/png.js';

// --- a minimal PNG reader of our own, so the encoder is not checked against itself -----------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function testCrc(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return ~c >>> 0;
}

interface Chunk {
  type: string;
  data: Buffer;
  crcOk: boolean;
}

interface Decoded {
  signatureOk: boolean;
  chunks: Chunk[];
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  pixel: (x: number, y: number) => number[];
}

function readChunks(png: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const typeAndData = png.subarray(at + 4, at + 8 + len);
    const type = typeAndData.subarray(0, 4).toString('latin1');
    chunks.push({
      type,
      data: png.subarray(at + 8, at + 8 + len),
      crcOk: testCrc(typeAndData) === png.readUInt32BE(at + 8 + len),
    });
    at += 12 + len;
  }
  return chunks;
}

function readPng(png: Buffer): Decoded {
  const chunks = readChunks(png);
  const ihdr = chunks[0]?.data ?? Buffer.alloc(13);
  const [width, height] = [ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)];
  const bpp = ihdr[9] === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * bpp + 1;
  if (raw.length !== stride * height) throw new Error(`IDAT holds ${raw.length} bytes`);
  for (let y = 0; y < height; y++)
    if (raw[y * stride] !== 0) throw new Error(`row ${y}: filter ${raw[y * stride]}`);
  return {
    signatureOk: png.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])),
    chunks,
    width,
    height,
    bitDepth: ihdr[8] ?? -1,
    colorType: ihdr[9] ?? -1,
    pixel: (x, y) => [...raw.subarray(y * stride + 1 + x * bpp, y * stride + 1 + (x + 1) * bpp)],
  };
}

const rgbAt = (d: Decoded, x: number, y: number): number[] =>
  d.pixel(Math.round(x), Math.round(y)).slice(0, 3);

function countColor(d: Decoded, color: Rgb, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = Math.max(0, y0); y < Math.min(d.height, y1); y++)
    for (let x = Math.max(0, x0); x < Math.min(d.width, x1); x++)
      if (rgbAt(d, x, y).every((c, i) => c === color[i])) n++;
  return n;
}

// --- fixtures -----------------------------------------------------------------------------------------

const BLUE: Rgb = [31, 119, 180];
const RED: Rgb = [214, 39, 40];
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 10, 1, 6);

const daily = (n: number, v: (i: number) => number): TrendPoint[] =>
  Array.from({ length: n }, (_, i) => ({ t: new Date(T0 + i * DAY), v: v(i) }));

const twoSeries = (): TrendChartInput => ({
  title: 'IMDSv2 migration',
  yLabel: '%',
  yMax: 100,
  series: [
    { label: '% requiring IMDSv2', color: BLUE, points: daily(30, (i) => 20 + i * 2.5) },
    { label: 'laggards', color: RED, points: daily(30, (i) => 90 - i * 3) },
  ],
});

describe('renderTrendChart: the PNG container', () => {
  it('writes a signature, an RGBA 8-bit IHDR of the requested size, and IEND last', () => {
    const d = readPng(renderTrendChart({ ...twoSeries(), width: 640, height: 320 }));

    expect(d.signatureOk).toBe(true);
    expect({ w: d.width, h: d.height, depth: d.bitDepth, type: d.colorType }).toEqual({
      w: 640,
      h: 320,
      depth: 8,
      type: 6,
    });
    expect(d.chunks[0]?.type).toBe('IHDR');
    expect(d.chunks.at(-1)?.type).toBe('IEND');
  });

  it('gives every chunk a valid CRC', () => {
    const d = readPng(renderTrendChart(twoSeries()));

    expect(d.chunks.map((c) => c.crcOk)).toEqual(d.chunks.map(() => true));
  });

  it('is byte-identical for the same input, and for the same points given out of order', () => {
    const input = twoSeries();
    const shuffled = {
      ...input,
      series: input.series.map((s) => ({ ...s, points: [...s.points].reverse() })),
    };

    const a = renderTrendChart(input);

    expect(a.equals(renderTrendChart(twoSeries()))).toBe(true);
    expect(a.equals(renderTrendChart(shuffled))).toBe(true);
  });
});

describe('renderTrendChart: what is drawn', () => {
  it('leaves the background white', () => {
    const d = readPng(renderTrendChart(twoSeries()));

    expect([rgbAt(d, 1, 1), rgbAt(d, 799, 399), rgbAt(d, 799, 0)]).toEqual([
      [255, 255, 255],
      [255, 255, 255],
      [255, 255, 255],
    ]);
  });

  it('draws each series through its points in its colour', () => {
    const input = twoSeries();
    const layout = chartLayout(input);
    const d = readPng(renderTrendChart(input));

    for (const [k, s] of layout.series.entries()) {
      const p = s.points[10];
      if (!p) throw new Error('fixture has 30 points');
      expect(rgbAt(d, layout.toX(p.t), layout.toY(p.v)), `series ${k}`).toEqual([...s.color]);
    }
  });

  it('draws a dense series as a line between its points (no markers)', () => {
    const input: TrendChartInput = {
      title: 't',
      series: [{ label: 'calls', color: RED, points: daily(1500, (i) => i % 97) }],
    };
    const layout = chartLayout(input);
    const d = readPng(renderTrendChart(input));
    const [a, b] = [layout.series[0]?.points[500], layout.series[0]?.points[501]];
    if (!a || !b) throw new Error('fixture has 1500 points');

    const midX = Math.round((layout.toX(a.t) + layout.toX(b.t)) / 2);
    const midY = Math.round((layout.toY(a.v) + layout.toY(b.v)) / 2);

    expect(countColor(d, RED, midX - 1, midY - 2, midX + 2, midY + 3)).toBeGreaterThan(0);
  });

  it('puts each series colour in the legend', () => {
    const input = twoSeries();
    const layout = chartLayout(input);
    const d = readPng(renderTrendChart(input));

    expect(layout.legend.map((l) => l.label)).toEqual(['% requiring IMDSv2', 'laggards']);
    for (const item of layout.legend) {
      expect(item.y + 10).toBeLessThan(layout.plot.y);
      expect(countColor(d, item.color, 0, item.y, 800, item.y + 10)).toBeGreaterThanOrEqual(100);
    }
  });

  it('writes "no data yet" in the plot when no series has a point', () => {
    const input: TrendChartInput = {
      title: 'empty',
      series: [{ label: 'laggards', color: RED, points: [] }],
    };
    const layout = chartLayout(input);
    const d = readPng(renderTrendChart(input));
    const { plot } = layout;

    expect(layout.empty).toBe(true);
    expect(layout.xTicks).toEqual([]);
    expect(countColor(d, [120, 120, 120], plot.x, plot.y, plot.x + plot.w, plot.y + plot.h)).toBeGreaterThan(
      50,
    );
  });

  it('clips values over yMax at the top of the plot', () => {
    const input: TrendChartInput = {
      title: 'over',
      yMax: 100,
      series: [{ label: 'x', color: BLUE, points: daily(10, (i) => (i % 2 ? 1e9 : 50)) }],
    };
    const layout = chartLayout(input);
    const d = readPng(renderTrendChart(input));
    const { plot } = layout;
    const legendBottom = (layout.legend[0]?.y ?? 0) + 10;

    expect(layout.yTicks.at(-1)?.at).toBe(100);
    expect(countColor(d, BLUE, plot.x, legendBottom, plot.x + plot.w, plot.y - 3)).toBe(0);
    expect(countColor(d, BLUE, plot.x, plot.y - 3, plot.x + plot.w, plot.y + 1)).toBeGreaterThan(0);
  });
});

const point = (iso: string, v: number): TrendPoint => ({ t: new Date(iso), v });
const chart = (points: TrendPoint[], extra: Partial<TrendChartInput> = {}): TrendChartInput => ({
  title: 'x',
  series: [{ label: 'a', color: RED, points }],
  ...extra,
});
const manySeries = (n: number): TrendChartInput['series'] =>
  Array.from({ length: n }, (_, i) => ({
    label: `series ${i}`,
    color: [i * 8, 0, 0],
    points: daily(3, () => i),
  }));

describe('renderTrendChart: edge cases produce a valid PNG', () => {
  it.each<[string, TrendChartInput]>([
    ['no series', { title: 'nothing', series: [] }],
    ['series without points', chart([])],
    ['one point', chart([point('2025-11-22T06:00:00Z', 42)])],
    ['all values equal', chart(daily(5, () => 7))],
    ['all values zero', chart(daily(5, () => 0))],
    ['unsorted dates', chart([point('2025-12-01', 3), point('2025-11-01', 9), point('2025-11-15', 1)])],
    ['1,500 points', chart(daily(1500, (i) => Math.sin(i / 20) * 50 + 50))],
    [
      'NaN and invalid dates',
      chart([point('nope', 1), point('2025-11-01', Number.NaN), point('2025-11-02', 4)]),
    ],
    ['negative and fractional values', chart(daily(9, (i) => (i - 4) / 3))],
    ['non-ASCII, title wider than the image', chart([], { title: `Übersicht ${'x'.repeat(200)} ✓` })],
    ['many series wrapping the legend', { title: 'x', series: manySeries(30) }],
    [
      'the smallest size',
      chart(
        daily(3, (i) => i),
        { width: 160, height: 120 },
      ),
    ],
  ])('%s', (_, input) => {
    const d = readPng(renderTrendChart(input));

    expect({ w: d.width, h: d.height, crcs: d.chunks.every((c) => c.crcOk) }).toEqual({
      w: input.width ?? 800,
      h: input.height ?? 400,
      crcs: true,
    });
  });

  it.each([
    [0, 400],
    [800, 50],
    [800.5, 400],
    [10_000, 400],
  ])('refuses a %ix%i chart', (width, height) => {
    expect(() => renderTrendChart({ title: 'x', series: [], width, height })).toThrow(RangeError);
  });
});

describe('yTicks', () => {
  it.each<[string, number[], number | undefined, string[], number?]>([
    ['percentages up to yMax', [12.5, 80], 100, ['0', '20', '40', '60', '80', '100']],
    ['no values', [], undefined, ['0', '1']],
    ['all equal counts', [3, 3, 3], undefined, ['0', '1', '2', '3']],
    ['fractions', [0.2, 0.7], undefined, ['0', '0.2', '0.4', '0.6', '0.8']],
    ['thousands', [12_000, 3_000], undefined, ['0', '5k', '10k', '15k']],
    ['negative values', [-3, 4], undefined, ['-4', '-2', '0', '2', '4']],
    ['yMax not on a step', [10], 90, ['0', '20', '40', '60', '80']],
    ['few ticks on a short plot', [0, 100], 100, ['0', '50', '100'], 3],
  ])('%s', (_, values, yMax, labels, maxTicks = 6) => {
    expect(yTicks(values, yMax, maxTicks).ticks.map((t) => t.label)).toEqual(labels);
  });
});

describe('timeTicks', () => {
  it.each<[string, string, string, number, string[]]>([
    [
      'weekly ticks over a month',
      '2025-11-01T06:00Z',
      '2025-11-30T06:00Z',
      10,
      ['11-06', '11-13', '11-20', '11-27'],
    ],
    [
      'daily ticks over a few days',
      '2025-11-20T00:00Z',
      '2025-11-24T12:00Z',
      6,
      ['11-20', '11-21', '11-22', '11-23', '11-24'],
    ],
    [
      'hours within a day, the date at midnight',
      '2025-11-21T18:00Z',
      '2025-11-22T06:00Z',
      4,
      ['18:00', '11-22', '06:00'],
    ],
    [
      'half-daily ticks when there is room',
      '2025-11-20T00:00Z',
      '2025-11-21T00:00Z',
      3,
      ['11-20', '12:00', '11-21'],
    ],
  ])('%s', (_, from, to, maxTicks, labels) => {
    expect(timeTicks(Date.parse(from), Date.parse(to), maxTicks).map((t) => t.label)).toEqual(labels);
  });
});

describe('font and encoder', () => {
  it('has a glyph of its own for every printable ASCII character', () => {
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
    const missing = printable.filter((ch) => ch !== '?' && glyphRows(ch) === glyphRows('?'));

    expect(missing).toEqual([]);
    expect(textWidth('11-22')).toBe(29);
    expect(textWidth('ab', 2)).toBe(22);
  });

  it('encodes RGBA pixels that read back unchanged, with the standard CRC-32', () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 9, 9, 9, 128]);

    const d = readPng(encodePng(2, 2, rgba));

    expect([d.pixel(0, 0), d.pixel(1, 0), d.pixel(0, 1), d.pixel(1, 1)]).toEqual([
      [255, 0, 0, 255],
      [0, 255, 0, 255],
      [0, 0, 255, 255],
      [9, 9, 9, 128],
    ]);
    expect(crc32(Buffer.from('IEND', 'latin1'))).toBe(0xae426082);
    expect(() => encodePng(2, 2, new Uint8Array(3))).toThrow(RangeError);
  });
});
