/**
 * Synthetic text-detection images: text lines (random words, fonts, sizes, colours, positions)
 * drawn over random backgrounds, rendered with sharp from SVG. Ground truth comes from the
 * renderer itself: every line is also rendered alone on a transparent canvas and its box is
 * the bounding box of the inked pixels, so the boxes are exact for whatever fonts the machine
 * resolves the generic families to. Everything is drawn from a seeded PRNG: the same seed gives
 * the same images and boxes on the same fonts.
 */
import sharp from 'sharp';
import { rngStream, type Rng } from '../core/synth/rng.js';
import { randomLine } from './words.js';

/** An axis-aligned box in pixels: [x0, x1) × [y0, y1). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface TextBox extends Box {
  text: string;
}

export interface RenderedImage {
  id: string;
  width: number;
  height: number;
  /** RGB, row-major HWC, 8 bits */
  rgb: Uint8Array;
  boxes: TextBox[];
}

export interface RenderSpec {
  width: number;
  height: number;
  seed: number;
  index: number;
  /** false: the same image without its text (same random draws; for checking the boxes) */
  drawText?: boolean;
}

// Generic families last, so any machine has a font; DejaVu ships with most Linux systems.
const FONTS = [
  'DejaVu Sans, Arial, Helvetica, sans-serif',
  'DejaVu Serif, Georgia, Times New Roman, serif',
  'DejaVu Sans Mono, Courier New, monospace',
  'DejaVu Sans Condensed, Arial Narrow, sans-serif',
];

/** Alpha at or above this counts as ink for the ground-truth box. */
const INK_ALPHA = 96;

type Rgb = [number, number, number];

const hex = (c: Rgb) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
const luminance = (c: Rgb) => (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255;
const randomColour = (r: Rng): Rgb => [Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256)];

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

interface LineStyle {
  text: string;
  x: number;
  baseline: number;
  size: number;
  font: string;
  weight: 'normal' | 'bold';
  italic: boolean;
  fill: string;
}

function textElement(l: LineStyle, fill = l.fill): string {
  return (
    `<text x="${l.x}" y="${l.baseline}" font-family="${escapeXml(l.font)}" font-size="${l.size}" font-weight="${l.weight}"` +
    `${l.italic ? ' font-style="italic"' : ''} fill="${fill}" xml:space="preserve">${escapeXml(l.text)}</text>`
  );
}

function svg(width: number, height: number, body: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>`);
}

/** The inked bounding box of one line rendered alone, or undefined when nothing is visible. */
async function inkBox(width: number, height: number, line: LineStyle): Promise<Box | undefined> {
  const { data, info } = await sharp(svg(width, height, textElement(line, '#000000')))
    .ensureAlpha()
    .extractChannel(3)
    .raw()
    .toBuffer({ resolveWithObject: true });
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < info.height; y++) {
    const row = y * info.width;
    for (let x = 0; x < info.width; x++) {
      if (data[row + x]! < INK_ALPHA) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? undefined : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

function background(r: Rng, width: number, height: number): { body: string; colours: Rgb[] } {
  const a = randomColour(r);
  const parts: string[] = [];
  const colours: Rgb[] = [a];
  if (r() < 0.5) {
    // a gentle gradient: the second colour stays close in brightness, so text contrast holds
    const b: Rgb = a.map((v) => Math.max(0, Math.min(255, v + Math.floor((r() - 0.5) * 90)))) as Rgb;
    colours.push(b);
    parts.push(
      `<defs><linearGradient id="g" x1="0" y1="0" x2="${r().toFixed(2)}" y2="1"><stop offset="0" stop-color="${hex(a)}"/><stop offset="1" stop-color="${hex(b)}"/></linearGradient></defs>`,
    );
    parts.push(`<rect width="${width}" height="${height}" fill="url(#g)"/>`);
  } else {
    parts.push(`<rect width="${width}" height="${height}" fill="${hex(a)}"/>`);
  }
  // faint clutter: blobs and bars that are not text
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const c = hex(randomColour(r));
    const op = (0.08 + r() * 0.2).toFixed(2);
    if (r() < 0.5) {
      parts.push(`<circle cx="${Math.floor(r() * width)}" cy="${Math.floor(r() * height)}" r="${Math.floor(8 + r() * height * 0.4)}" fill="${c}" fill-opacity="${op}"/>`);
    } else {
      parts.push(
        `<rect x="${Math.floor(r() * width)}" y="${Math.floor(r() * height)}" width="${Math.floor(10 + r() * width * 0.5)}" height="${Math.floor(3 + r() * height * 0.3)}" fill="${c}" fill-opacity="${op}"/>`,
      );
    }
  }
  return { body: parts.join(''), colours };
}

function textColour(r: Rng, bg: Rgb[]): Rgb {
  for (let tries = 0; tries < 50; tries++) {
    const c = randomColour(r);
    if (bg.every((b) => Math.abs(luminance(c) - luminance(b)) >= 0.4)) return c;
  }
  return bg.every((b) => luminance(b) > 0.5) ? [0, 0, 0] : [255, 255, 255];
}

/** Renders image `index` of the set `seed`: 1 to a few text lines over a random background. */
export async function renderTextImage(spec: RenderSpec): Promise<RenderedImage> {
  const { width, height } = spec;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 32 && height >= 32)) {
    throw new Error(`demo images must be at least 32x32 pixels (got ${width}x${height})`);
  }
  const r = rngStream(spec.seed, `text-image-${spec.index}`);
  const bg = background(r, width, height);
  const minSize = Math.max(10, Math.round(height / 14));
  const maxSize = Math.max(minSize + 2, Math.round(height / 5));
  const lines: LineStyle[] = [];
  const boxes: TextBox[] = [];
  let cursor = 2 + Math.floor(r() * height * 0.15);
  for (;;) {
    const size = Math.round(minSize + r() * (maxSize - minSize));
    const baseline = cursor + size;
    if (baseline + size * 0.3 > height - 2) break;
    const line: LineStyle = {
      text: randomLine(r, 1 + Math.floor(r() * 3)),
      x: 2 + Math.floor(r() * width * 0.35),
      baseline,
      size,
      font: FONTS[Math.floor(r() * FONTS.length)]!,
      weight: r() < 0.3 ? 'bold' : 'normal',
      italic: r() < 0.15,
      fill: hex(textColour(r, bg.colours)),
    };
    cursor = baseline + Math.round(size * (0.5 + r() * 0.9));
    // drop words that would run off the right edge (a clipped line has no true box)
    let box = await inkBox(width, height, line);
    while (box && box.x1 >= width - 1 && line.text.includes(' ')) {
      line.text = line.text.slice(0, line.text.lastIndexOf(' '));
      box = await inkBox(width, height, line);
    }
    if (!box || box.x1 >= width - 1 || box.y1 >= height - 1) continue;
    lines.push(line);
    boxes.push({ ...box, text: line.text });
  }
  const text = spec.drawText === false ? '' : lines.map((l) => textElement(l)).join('');
  const { data, info } = await sharp(svg(width, height, bg.body + text))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(`sharp rendered ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  return { id: `s${spec.seed}-${String(spec.index).padStart(4, '0')}`, width, height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.length), boxes };
}

/** Renders images first..first+count-1 of the set `seed`. */
export async function renderTextSet(seed: number, count: number, width: number, height: number): Promise<RenderedImage[]> {
  const out: RenderedImage[] = [];
  for (let i = 0; i < count; i++) out.push(await renderTextImage({ width, height, seed, index: i }));
  return out;
}

/** Writes an image as PNG (for looking at the demo data). */
export async function imageToPng(img: RenderedImage): Promise<Buffer> {
  return sharp(Buffer.from(img.rgb), { raw: { width: img.width, height: img.height, channels: 3 } })
    .png()
    .toBuffer();
}
