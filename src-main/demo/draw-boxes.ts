/** A demo image with box outlines drawn over it (ground truth and detections), as PNG. */
import sharp from 'sharp';
import type { Box, RenderedImage } from './render-text.js';

export interface BoxLayer {
  boxes: readonly Box[];
  colour: string;
  /** dash pattern, e.g. '4 2' */
  dash?: string;
}

export async function drawBoxesPng(img: RenderedImage, layers: readonly BoxLayer[]): Promise<Buffer> {
  const rects = layers
    .flatMap((l) =>
      l.boxes.map(
        (b) =>
          `<rect x="${b.x0 + 0.5}" y="${b.y0 + 0.5}" width="${Math.max(0, b.x1 - b.x0 - 1)}" height="${Math.max(0, b.y1 - b.y0 - 1)}" fill="none" stroke="${l.colour}" stroke-width="1"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`,
      ),
    )
    .join('');
  const overlay = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height}">${rects}</svg>`);
  return sharp(Buffer.from(img.rgb), { raw: { width: img.width, height: img.height, channels: 3 } })
    .composite([{ input: overlay, top: 0, left: 0 }])
    .png()
    .toBuffer();
}
