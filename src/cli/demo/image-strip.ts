// One row of images side by side, each scaled to a square cell (nearest neighbour: the demo's images are
// 28 px), optionally with a box outlined on it: the picture rows of the demo report.
import sharp from 'sharp';
import { writeFileAtomic } from '../../core/files/write-file-atomic.ts';

export interface StripCell {
  file: string;
  /** [x0, y0, x1, y1] in the image's pixels */
  box?: readonly number[] | null;
}

const GAP = 4;

async function renderCell(cell: StripCell, size: number): Promise<Buffer> {
  const image = sharp(cell.file).removeAlpha();
  const { width = 1, height = 1 } = await image.metadata();
  const scaled = image.resize(size, size, { fit: 'fill', kernel: 'nearest' });
  if (!cell.box) return scaled.png().toBuffer();
  const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = cell.box;
  const sx = size / width;
  const sy = size / height;
  const outline = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect x="${x0 * sx + 1}" y="${y0 * sy + 1}" ` +
      `width="${Math.max(1, (x1 - x0) * sx - 2)}" height="${Math.max(1, (y1 - y0) * sy - 2)}" fill="none" stroke="#ff2d55" stroke-width="2"/></svg>`,
  );
  return sharp(await scaled.png().toBuffer()).composite([{ input: outline }]).png().toBuffer();
}

/** Writes the strip as a PNG; `cells` must not be empty. */
export async function writeImageStrip(cells: readonly StripCell[], out: string, size = 64): Promise<void> {
  if (cells.length === 0) throw new Error('an image strip needs at least one image');
  const rendered = await Promise.all(cells.map((cell) => renderCell(cell, size)));
  const strip = await sharp({
    create: { width: cells.length * size + (cells.length - 1) * GAP, height: size, channels: 3, background: '#ffffff' },
  })
    .composite(rendered.map((input, i) => ({ input, left: i * (size + GAP), top: 0 })))
    .png()
    .toBuffer();
  await writeFileAtomic(out, strip);
}
