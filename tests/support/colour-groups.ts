// Folders of look-alike images: each group one solid colour with faint noise, so real features of any
// encoder put a group together and the groups far apart. Shared by the clustering tests (unit, integration, e2e).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';

export const GROUPS: Record<string, [number, number, number]> = { red: [220, 30, 30], green: [30, 200, 40], blue: [20, 40, 230] };

export function noisySolid(rgb: [number, number, number], seed: number): Sharp {
  const size = 48;
  const data = Buffer.alloc(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, (rgb[i % 3] as number) + ((i * 31 + seed * 17) % 7));
  return sharp(data, { raw: { width: size, height: size, channels: 3 } });
}

/** Writes <folder>/<group>/img-<i>.png for every group. */
export async function writeColourGroups(folder: string, perGroup: number, groups = GROUPS): Promise<void> {
  for (const [group, rgb] of Object.entries(groups)) {
    mkdirSync(join(folder, group), { recursive: true });
    for (let i = 0; i < perGroup; i++) await noisySolid(rgb, i).png().toFile(join(folder, group, `img-${i}.png`));
  }
}
