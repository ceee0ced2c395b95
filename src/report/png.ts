import { Buffer } from 'node:buffer';
import { deflateSync } from 'node:zlib';

/** An opaque colour, each channel 0–255. */
export type Rgb = readonly [number, number, number];

/** A pixel rectangle: x/y inclusive, x + w / y + h exclusive. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = ((): Uint32Array => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309 / ITU-T V.42), as PNG chunks use it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A PNG (8-bit RGBA, no interlace, filter type 0 on every scanline) of `rgba`, row-major, 4 bytes a pixel. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`PNG size must be positive integers, got ${width}x${height}`);
  const stride = width * 4;
  if (rgba.length !== stride * height)
    throw new RangeError(`expected ${stride * height} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, filter method 0, no interlace
  const raw = Buffer.alloc((stride + 1) * height); // each row: filter byte 0 (None), then the pixels
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const clampByte = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

/**
 * Clips the segment to `r` (Liang–Barsky), so a value far off the chart never makes a line
 * millions of pixels long. Returns null when nothing of it is inside.
 */
function clipSegment(x0: number, y0: number, x1: number, y1: number, r: Rect): number[] | null {
  const dx = x1 - x0;
  const dy = y1 - y0;
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [
    [-dx, x0 - r.x],
    [dx, r.x + r.w - 1 - x0],
    [-dy, y0 - r.y],
    [dy, r.y + r.h - 1 - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return null;
  }
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}

/** An opaque RGBA pixel buffer with the few drawing primitives a chart needs; nothing is anti-aliased. */
export class Raster {
  readonly pixels: Uint8Array;
  /** when set, drawing outside this rectangle is dropped (the image bounds always apply) */
  clip: Rect | null = null;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb,
  ) {
    this.pixels = new Uint8Array(width * height * 4);
    const bg = [...background.map(clampByte), 255];
    for (let i = 0; i < this.pixels.length; i += 4) this.pixels.set(bg, i);
  }

  private bounds(): Rect {
    const full = { x: 0, y: 0, w: this.width, h: this.height };
    const c = this.clip;
    if (!c) return full;
    const x = Math.max(0, c.x);
    const y = Math.max(0, c.y);
    return { x, y, w: Math.min(this.width, c.x + c.w) - x, h: Math.min(this.height, c.y + c.h) - y };
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const b = this.bounds();
    const xa = Math.max(b.x, Math.round(x));
    const ya = Math.max(b.y, Math.round(y));
    const xb = Math.min(b.x + b.w, Math.round(x) + Math.round(w));
    const yb = Math.min(b.y + b.h, Math.round(y) + Math.round(h));
    const px = [clampByte(color[0]), clampByte(color[1]), clampByte(color[2]), 255];
    for (let yy = ya; yy < yb; yy++)
      for (let xx = xa; xx < xb; xx++) this.pixels.set(px, (yy * this.width + xx) * 4);
  }

  /** A `size`-pixel-wide line (Bresenham, square brush); endpoints may be fractional or off the image. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, size = 1): void {
    const seg = clipSegment(x0, y0, x1, y1, this.bounds());
    if (!seg) return;
    let [x, y, xe, ye] = seg.map(Math.round) as [number, number, number, number];
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    let err = dx + dy;
    const off = Math.floor(size / 2); // a 2-px brush covers the pixel and the one above/left of it
    for (;;) {
      this.fillRect(x - off, y - off, size, size, color);
      if (x === xe && y === ye) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  }

  toPng(): Buffer {
    return encodePng(this.width, this.height, this.pixels);
  }
}
